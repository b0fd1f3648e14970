// `npm start`: runs the compiled bot (node dist/main.js), building it first when dist/ is missing or older
// than a source file (src/, commands/, the TypeScript settings). The demo, the tests and development keep
// running TypeScript through tsx.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = path.join(root, "dist", "main.js");

/** The newest modification time under `dir` (files only), skipping the sandbox. */
function newest(dir) {
  let latest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "sandbox" && e.name !== "node_modules") latest = Math.max(latest, newest(p));
    } else latest = Math.max(latest, fs.statSync(p).mtimeMs);
  }
  return latest;
}

function stale() {
  if (!fs.existsSync(entry)) return "dist/ is missing";
  const built = fs.statSync(entry).mtimeMs;
  const sources = Math.max(
    newest(path.join(root, "src")),
    newest(path.join(root, "commands")),
    fs.statSync(path.join(root, "tsconfig.json")).mtimeMs,
    fs.statSync(path.join(root, "tsconfig.build.json")).mtimeMs,
  );
  return sources > built ? "a source file changed since the last build" : null;
}

const why = stale();
if (why) {
  process.stderr.write(`Building the bot (${why}): npm run build …\n`);
  build();
}
await import(pathToFileURL(entry).href);
