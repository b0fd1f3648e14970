// `npm run build`: compiles the bot (src/ and commands/) into dist/ with tsc, copies the files it reads at run
// time (fonts, the public page's CSS and script), and writes dist/main.js, the entry `npm start` runs.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");

export function build() {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
  copyAssets(path.join(root, "src"), path.join(dist, "src"));
  fs.writeFileSync(
    path.join(dist, "main.js"),
    '// Written by scripts/build.mjs: the compiled bot (src/main.ts).\nimport "./src/main.js";\n',
  );
}

/** Every file under `from` that is not TypeScript (and not the sandbox, which production does not run). */
function copyAssets(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "sandbox") copyAssets(source, path.join(to, entry.name));
    } else if (!/\.(ts|mts|cts)$/.test(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();
