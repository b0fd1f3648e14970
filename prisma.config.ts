// Configuration of the Prisma CLI (generate, and migrate where its engine is available).
// The bot itself does not read this file: it applies prisma/migrations with its own runner (src/db/migrate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./data/keep-dancing.db" },
});
