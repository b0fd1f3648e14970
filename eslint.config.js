// ESLint: typescript-eslint's recommended rules, no import cycles, and the layering the README describes.
// Formatting is Prettier's job (`npm run format`), so no stylistic rules here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const noImports = (group, message) => ["error", { patterns: [{ group, message }] }];

export default tseslint.config(
  { ignores: ["node_modules/", "src/generated/", "prisma/postgres/", "coverage/", "dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  importX.flatConfigs.typescript,
  {
    files: ["**/*.ts"],
    settings: { "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })] },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "no-sequences": "error",
    },
  },
  {
    // Plain Node scripts (prisma generation, bench fixtures): Node's globals.
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
  {
    // The emulators, tests and benchmarks handle raw wire JSON of every shape: \`any\` is the honest type there.
    files: ["src/sandbox/**/*.ts", "tests/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/services/**/*.ts"],
    rules: {
      "no-restricted-imports": noImports(
        ["discord.js", "**/discord/**", "../discord/*", "**/x/**", "../x/*", "**/card/**", "../card/*"],
        "Services hold the rules: plain values in, facts out. Wording and Discord calls belong in src/discord, X in src/x, drawing in src/card.",
      ),
    },
  },
  {
    files: ["src/x/**/*.ts"],
    rules: {
      "no-restricted-imports": noImports(
        ["discord.js", "**/discord/**", "../discord/*"],
        "src/x is the X side; src/jobs wires it to Discord.",
      ),
    },
  },
  {
    files: ["commands/**/*.ts"],
    rules: {
      "no-restricted-imports": noImports(
        ["./*", "../commands/*"],
        "A command file imports from src/, never another command file.",
      ),
    },
  },
);
