// Builds the `data` of an APPLICATION_COMMAND (or autocomplete) interaction the way the Discord client
// would: from the REGISTERED definition, so a test cannot send what the command does not declare.
import { P } from "./permissions.js";
import type { AttachmentInput, Member, OptionValue } from "./types.js";
import type { World } from "./world.js";

const T = {
  SUB: 1,
  GROUP: 2,
  STRING: 3,
  INTEGER: 4,
  BOOLEAN: 5,
  USER: 6,
  CHANNEL: 7,
  ROLE: 8,
  MENTIONABLE: 9,
  NUMBER: 10,
  ATTACHMENT: 11,
} as const;

export interface BuildInput {
  options: Record<string, OptionValue>;
  subcommand?: string;
  group?: string;
  /** The option being typed into (autocomplete): its value is the partial text, as a string. */
  focused?: string;
}

interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

export function findCommand(world: World, name: string): any {
  const cmd = world.commands.guild.get(`1:${name}`) ?? world.commands.global.get(`1:${name}`);
  if (!cmd) {
    const known = [...world.commands.guild.values(), ...world.commands.global.values()]
      .filter((c) => c.type === 1)
      .map((c) => c.name);
    throw new Error(
      `Discord emulator: no slash command /${name} is registered (registered: ${known.join(", ") || "none"})`,
    );
  }
  return cmd;
}

/** What the Discord client enforces before a member can even send the command. */
export function assertCanRun(
  world: World,
  member: Member,
  cmd: any,
  channelId: string,
  ignoreDefaultPermissions: boolean,
): void {
  const perms = world.permissionsIn(member, channelId);
  const who = `${member.username} (${member.id})`;
  if ((perms & P.ViewChannel) === 0n) throw new Error(`Discord emulator: ${who} cannot see channel ${channelId}`);
  if ((perms & P.UseApplicationCommands) === 0n)
    throw new Error(`Discord emulator: ${who} cannot use commands in ${channelId}`);
  const required = cmd.default_member_permissions;
  if (ignoreDefaultPermissions || required === null || required === undefined) return;
  const needed = BigInt(required);
  const admin = (perms & P.Administrator) !== 0n;
  if (!admin && (needed === 0n || (perms & needed) !== needed)) {
    throw new Error(
      `Discord emulator: /${cmd.name} needs permissions ${required} that ${who} lacks, so Discord does not offer it ` +
        "(pass { ignoreDefaultPermissions: true } to simulate a server override)",
    );
  }
}

export function buildCommandData(world: World, cmd: any, input: BuildInput): Record<string, unknown> {
  const label = `/${[cmd.name, input.group, input.subcommand].filter(Boolean).join(" ")}`;
  const fail = (msg: string): never => {
    throw new Error(`Discord emulator: ${label}: ${msg}`);
  };
  let declared: any[] = cmd.options ?? [];
  const nests = declared.some((o) => o.type === T.SUB || o.type === T.GROUP);
  let group: any;
  let sub: any;
  if (input.group) {
    group =
      declared.find((o) => o.type === T.GROUP && o.name === input.group) ??
      fail(`no subcommand group "${input.group}"`);
    declared = group.options ?? [];
  }
  if (input.subcommand) {
    sub =
      declared.find((o) => o.type === T.SUB && o.name === input.subcommand) ??
      fail(`no subcommand "${input.subcommand}"`);
    declared = sub.options ?? [];
  } else if (nests || group) {
    const names = declared.map((o) => `${o.name}${o.type === T.GROUP ? " (group)" : ""}`).join(", ");
    fail(`a subcommand is required (${names})`);
  }

  const resolved: Resolved = {};
  const values = { ...input.options };
  if (input.focused !== undefined && !(input.focused in values)) values[input.focused] = "";
  const built: any[] = [];
  for (const [name, value] of Object.entries(values)) {
    const decl = declared.find((o) => o.name === name);
    if (!decl) fail(`has no option "${name}" (declared: ${declared.map((o) => o.name).join(", ") || "none"})`);
    if (name === input.focused) {
      if (!decl.autocomplete) fail(`option "${name}" does not autocomplete`);
      built.push({ name, type: decl.type, value: String(value), focused: true });
      continue;
    }
    built.push({
      name,
      type: decl.type,
      value: convert(world, decl, value, resolved, (m) => fail(`option "${name}": ${m}`)),
    });
  }
  if (input.focused === undefined) {
    for (const decl of declared) {
      if (decl.required && !(decl.name in values)) fail(`required option "${decl.name}" is missing`);
    }
  }

  let options = built;
  if (sub) options = [{ name: sub.name, type: T.SUB, options }];
  if (group) options = [{ name: group.name, type: T.GROUP, options }];
  return {
    id: cmd.id,
    name: cmd.name,
    type: 1,
    ...(cmd.guild_id ? { guild_id: cmd.guild_id } : {}),
    options,
    ...(Object.keys(resolved).length ? { resolved } : {}),
  };
}

function convert(world: World, decl: any, value: OptionValue, resolved: Resolved, fail: (m: string) => never): unknown {
  const choices: any[] | undefined = decl.choices;
  if (choices && !choices.some((c) => c.value === value))
    fail(
      `${JSON.stringify(value)} is not one of the choices ${choices.map((c) => JSON.stringify(c.value)).join(", ")}`,
    );
  switch (decl.type) {
    case T.STRING: {
      if (typeof value !== "string") fail("must be a string");
      const s = value as string;
      if (decl.min_length !== undefined && s.length < decl.min_length)
        fail(`shorter than min_length ${decl.min_length}`);
      if (decl.max_length !== undefined && s.length > decl.max_length)
        fail(`longer than max_length ${decl.max_length}`);
      if (s.length > 6000) fail("longer than 6000 characters");
      return s;
    }
    case T.INTEGER:
    case T.NUMBER: {
      if (typeof value !== "number" || !Number.isFinite(value)) fail("must be a number");
      if (decl.type === T.INTEGER && !Number.isInteger(value)) fail("must be an integer");
      const n = value as number;
      if (decl.min_value !== undefined && n < decl.min_value) fail(`below min_value ${decl.min_value}`);
      if (decl.max_value !== undefined && n > decl.max_value) fail(`above max_value ${decl.max_value}`);
      return n;
    }
    case T.BOOLEAN:
      if (typeof value !== "boolean") fail("must be a boolean");
      return value;
    case T.USER:
      return resolveUser(world, String(value), resolved) ?? fail(`no member with id ${String(value)}`);
    case T.ROLE:
      return resolveRole(world, String(value), resolved) ?? fail(`no role ${String(value)}`);
    case T.MENTIONABLE:
      return (
        resolveUser(world, String(value), resolved) ??
        resolveRole(world, String(value), resolved) ??
        fail(`no member or role ${String(value)}`)
      );
    case T.CHANNEL: {
      const keys = world.guild.channels as Record<string, string>;
      const channel = world.channels.get(keys[String(value)] ?? String(value));
      if (!channel?.guildId) fail(`no guild channel ${String(value)}`);
      if (decl.channel_types && !decl.channel_types.includes(channel!.type))
        fail(`channel type ${channel!.type} is not allowed`);
      const permissions = world.permissionsIn(world.botMember(), channel!.id).toString();
      (resolved.channels ??= {})[channel!.id] = {
        id: channel!.id,
        name: channel!.name,
        type: channel!.type,
        permissions,
        parent_id: null,
      };
      return channel!.id;
    }
    case T.ATTACHMENT: {
      const input = value as AttachmentInput;
      if (typeof input !== "object" || !Buffer.isBuffer(input.data)) fail("must be { name, data: Buffer }");
      const att = world.storeAttachment(input.name, input.data, input.contentType ?? "application/octet-stream");
      (resolved.attachments ??= {})[att.id] = world.apiAttachment(att);
      return att.id;
    }
    default:
      return fail(`unsupported option type ${String(decl.type)}`);
  }
}

function resolveUser(world: World, id: string, resolved: Resolved): string | undefined {
  const member: Member | undefined = world.member(id);
  if (!member) return undefined;
  (resolved.users ??= {})[id] = member.user;
  (resolved.members ??= {})[id] = {
    ...world.apiMember(member, false),
    permissions: world.guildPermissions(member).toString(),
  };
  return id;
}

function resolveRole(world: World, value: string, resolved: Resolved): string | undefined {
  const keys = world.guild.roles as Record<string, string>;
  const role = world.roles.get(keys[value] ?? value);
  if (!role) return undefined;
  (resolved.roles ??= {})[role.id] = world.apiRole(role);
  return role.id;
}
