// Loading the command files: every customId prefix belongs to one feature.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS_DIR, loadCommands } from "../src/discord/commands.js";
import { tempDir } from "./support/db.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A folder with one command file whose component handlers use the given prefixes. */
function commandDir(name: string, components: string[], modals: string[] = []): string {
  const dir = tempDir("keep-dancing-commands-");
  dirs.push(dir);
  const handlers = (list: string[]) =>
    `{ ${list.map((p) => `${JSON.stringify(p)}: async () => ({ content: "x" })`).join(", ")} }`;
  fs.writeFileSync(
    path.join(dir, `${name}.ts`),
    `export default { data: { name: ${JSON.stringify(name)}, description: "x" }, help: [], execute: async () => ({ content: "x" }), components: ${handlers(components)}, modals: ${handlers(modals)} };\n`,
  );
  return dir;
}

describe("loading commands", () => {
  it("loads the project's commands, whose customId prefixes are all distinct", async () => {
    const commands = await loadCommands();
    const prefixes = commands.flatMap((c) => [...Object.keys(c.components ?? {}), ...Object.keys(c.modals ?? {})]);
    expect(prefixes.length).toBeGreaterThan(5);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it("refuses a second command that claims a prefix already taken, naming both files", async () => {
    await expect(loadCommands([COMMANDS_DIR, commandDir("impostor", ["rsvp"])])).rejects.toThrow(
      /customId prefix "rsvp" is already used by .*rsvp\.ts/,
    );
    await expect(loadCommands([COMMANDS_DIR, commandDir("impostor2", [], ["djoffer"])])).rejects.toThrow(
      /customId prefix "djoffer" is already used/,
    );
  });

  it("refuses a prefix that could never match", async () => {
    await expect(loadCommands([commandDir("colon", ["a:b"])])).rejects.toThrow(/must be non-empty and contain no ":"/);
  });
});
