// Configuration of the Prisma CLI for PostgreSQL: `npx prisma migrate deploy --config prisma/postgres/prisma.config.ts`
// where Prisma's engine is available. The bot applies these migrations itself at start (src/db/migrate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema",
  migrations: { path: "migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/keep_dancing" },
});
