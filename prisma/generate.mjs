// Generates the two Prisma clients without network access: src/generated/prisma (SQLite, from prisma/schema) and
// src/generated/postgres (PostgreSQL, from prisma/postgres/schema, which prisma/postgres.mjs derives first).
// Two clients because Prisma 7's query compiler is specific to the provider; their APIs are the same.
// Generation itself is WASM, but the CLI insists on locating its native schema engine first, which cannot be
// downloaded here; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies that check.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { write as writePostgres } from "./postgres.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
};
const prisma = path.join(root, "node_modules", "prisma", "build", "index.js");

try {
  writePostgres();
} catch (err) {
  // Never in the way of the SQLite client: the PostgreSQL files stay as they were, and
  // tests/postgres-schema.test.ts fails until the translation is fixed.
  console.warn(`prisma/postgres was not updated: ${err instanceof Error ? err.message : err}`);
}
// prisma.config.ts points at prisma/schema; prisma/postgres/prisma.config.ts at the generated PostgreSQL files.
for (const config of ["prisma.config.ts", "prisma/postgres/prisma.config.ts"]) {
  const result = spawnSync(process.execPath, [prisma, "generate", "--no-hints", "--config", config], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
