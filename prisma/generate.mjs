// Generates the Prisma client (src/generated/prisma) without network access.
// Generation itself is WASM, but the CLI insists on locating its native schema engine first, which cannot be
// downloaded here; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies that check.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
};
const prisma = path.join(root, "node_modules", "prisma", "build", "index.js");
const result = spawnSync(process.execPath, [prisma, "generate", "--no-hints"], { cwd: root, env, stdio: "inherit" });
process.exit(result.status ?? 1);
