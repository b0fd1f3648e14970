// What a hostile client can send, for the tests that play the attacker: a modified client forges any
// customId, select value or modal answer (Discord checks none of them against what the bot sent); a
// server the bot was added to, or a DM, sends interactions from outside the campaign's server; and a
// global command left over from an older registration keeps reaching other servers for up to an hour.
import { buildCommandData, findCommand } from "./options.js";
import { P } from "./permissions.js";
import type { Member, OptionValue, StoredMessage } from "./types.js";
import type { ForeignGuild, World } from "./world.js";

const ALL = (1n << 51n) - 1n;

export type ForgeInput =
  | {
      type: "command" | "autocomplete";
      name: string;
      options?: Record<string, OptionValue>;
      subcommand?: string;
      group?: string;
      focused?: string;
    }
  | { type: "button"; customId: string }
  | { type: "select"; customId: string; values: string[] }
  | { type: "modal"; customId: string; fields: Record<string, string> };

/** Where a forged interaction comes from: the campaign's server (default), another server, or a DM. */
export type ForgeOrigin = { guild: ForeignGuild } | "dm" | undefined;

export function forgedData(
  world: World,
  input: ForgeInput,
): { type: 2 | 3 | 4 | 5; data: Record<string, unknown>; label: string } {
  switch (input.type) {
    case "command":
    case "autocomplete": {
      const cmd = findCommand(world, input.name);
      const sub = {
        ...(input.subcommand ? { subcommand: input.subcommand } : {}),
        ...(input.group ? { group: input.group } : {}),
      };
      const focused =
        input.type === "autocomplete" ? { focused: input.focused ?? Object.keys(input.options ?? {})[0] } : {};
      const data = buildCommandData(world, cmd, { options: input.options ?? {}, ...sub, ...focused });
      return { type: input.type === "command" ? 2 : 4, data, label: `forged /${input.name}` };
    }
    case "button":
      return {
        type: 3,
        data: { custom_id: input.customId, component_type: 2 },
        label: `forged button "${input.customId}"`,
      };
    case "select":
      return {
        type: 3,
        data: { custom_id: input.customId, component_type: 3, values: input.values },
        label: `forged select "${input.customId}"`,
      };
    case "modal":
      return {
        type: 5,
        data: {
          custom_id: input.customId,
          components: Object.entries(input.fields).map(([custom_id, value]) => ({
            type: 1,
            components: [{ type: 4, custom_id, value }],
          })),
        },
        label: `forged modal "${input.customId}"`,
      };
  }
}

/** The guild (or DM) fields of an interaction from outside the campaign's server. */
export function foreignOrigin(
  world: World,
  member: Member,
  origin: { guild: ForeignGuild } | "dm",
): { channelId: string; fields: Record<string, unknown> } {
  if (origin === "dm") {
    const channel = world.dmChannelFor(member.id);
    return {
      channelId: channel.id,
      fields: {
        channel: { id: channel.id, type: 1, recipients: [member.user], last_message_id: null, flags: 0 },
        user: member.user,
        app_permissions: (P.ViewChannel | P.SendMessages).toString(),
        authorizing_integration_owners: { "0": world.guild.id },
        context: 1,
      },
    };
  }
  const g = origin.guild;
  const channel = {
    id: g.channelId,
    type: 0,
    guild_id: g.id,
    name: "general",
    position: 0,
    permission_overwrites: [],
    nsfw: false,
    parent_id: null,
    flags: 0,
    permissions: ALL.toString(),
  };
  return {
    channelId: g.channelId,
    fields: {
      guild_id: g.id,
      guild: { id: g.id, locale: "en-US", features: [] },
      guild_locale: "en-US",
      channel,
      // The owner of a server holds every permission there, Manage Server and Manage Events included.
      member: { ...world.apiMember(g.owner), roles: [], permissions: ALL.toString() },
      app_permissions: ALL.toString(),
      authorizing_integration_owners: { "0": g.id },
      context: 0,
    },
  };
}

export type { StoredMessage };
