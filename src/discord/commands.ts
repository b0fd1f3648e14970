// Loads the files in commands/ and registers their definitions with Discord: one bulk overwrite, and only
// when the definitions changed since the last registration (a hash kept in the database), so restarts
// spend none of Discord's 200-command-creates-a-day budget.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Client } from "discord.js";
import type { Db } from "../db/client.js";
import type { CommandModule } from "./types.js";

export const COMMANDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "commands");

/** Imports every command file of the given folders; a name defined twice is refused. */
export async function loadCommands(dirs: string[] = [COMMANDS_DIR]): Promise<CommandModule[]> {
  const commands: CommandModule[] = [];
  const owners = new Map<string, string>();
  for (const dir of dirs) {
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts"))
      .sort();
    for (const file of files) {
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: CommandModule };
      const command = mod.default;
      if (!command?.data?.name || typeof command.execute !== "function") {
        throw new Error(`${path.join(dir, file)} must export default a command (data, help, execute).`);
      }
      if (commands.some((c) => c.data.name === command.data.name))
        throw new Error(`Two commands are named /${command.data.name}.`);
      checkPrefixes(command, path.join(dir, file), owners);
      commands.push(command);
    }
  }
  return commands;
}

/**
 * The router finds a component's handler by the prefix of its customId: two files claiming one prefix
 * would let one feature's buttons run the other's handler. A prefix is refused when already taken (by a
 * component or a modal of any command), or when it holds ":" (it could never match).
 */
function checkPrefixes(command: CommandModule, file: string, owners: Map<string, string>): void {
  for (const [kind, handlers] of [
    ["component", command.components],
    ["modal", command.modals],
  ] as const) {
    for (const prefix of Object.keys(handlers ?? {})) {
      if (!prefix || prefix.includes(":"))
        throw new Error(`${file}: the ${kind} prefix "${prefix}" must be non-empty and contain no ":".`);
      const owner = owners.get(prefix);
      if (owner) throw new Error(`${file}: the customId prefix "${prefix}" is already used by ${owner}; pick another.`);
      owners.set(prefix, `${file} (${kind})`);
    }
  }
}

/** A stable fingerprint of the definitions: key order and command order do not change it. */
export function definitionsHash(commands: CommandModule[]): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  const defs = commands.map((c) => c.data).sort((a, b) => a.name.localeCompare(b.name));
  return crypto
    .createHash("sha256")
    .update(JSON.stringify(canonical(defs)))
    .digest("hex");
}

/**
 * Registers the commands on the campaign's server if they changed; returns whether a bulk overwrite was sent.
 * Commands live on that one server only: global ones (left by an older registration) would reach every
 * server the bot is added to, so any are removed (one read at start, one overwrite when some exist).
 */
export async function registerCommands(
  client: Client<true>,
  db: Db,
  commands: CommandModule[],
  guildId: string,
): Promise<{ registered: boolean; removedGlobal: number }> {
  const global = await client.application.commands.fetch();
  if (global.size > 0) await client.application.commands.set([]);
  const hash = definitionsHash(commands);
  const last = await db.commandRegistration.findUnique({ where: { scope: guildId } });
  if (last?.hash === hash) return { registered: false, removedGlobal: global.size };
  await client.application.commands.set(
    commands.map((c) => c.data),
    guildId,
  );
  await db.commandRegistration.upsert({
    where: { scope: guildId },
    create: { scope: guildId, hash },
    update: { hash, registeredAt: new Date() },
  });
  return { registered: true, removedGlobal: global.size };
}
