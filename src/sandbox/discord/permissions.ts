// Discord permission bits and the channel-level computation Discord documents
// (base from roles, then @everyone, role and member overwrites). Own table, so the emulator does not
// depend on discord.js internals.

export const P = {
  CreateInstantInvite: 1n << 0n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  UseApplicationCommands: 1n << 31n,
  ManageEvents: 1n << 33n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
  CreateEvents: 1n << 44n,
} as const;

const ALL = (1n << 51n) - 1n;

export const EVERYONE_PERMS =
  P.CreateInstantInvite |
  P.AddReactions |
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.UseExternalEmojis |
  P.Connect |
  P.Speak |
  P.ChangeNickname |
  P.UseApplicationCommands |
  P.CreatePublicThreads |
  P.SendMessagesInThreads;

export const ORGANIZER_PERMS = P.ManageGuild | P.ManageEvents;

export const BOT_PERMS =
  P.ViewChannel |
  P.SendMessages |
  P.EmbedLinks |
  P.AttachFiles |
  P.ReadMessageHistory |
  P.ManageMessages |
  P.UseExternalEmojis |
  P.AddReactions |
  P.ManageEvents |
  P.CreateEvents;

export interface Overwrite {
  id: string;
  /** 0 role, 1 member */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export function basePermissions(guildId: string, roleIds: string[], rolePerms: (id: string) => bigint): bigint {
  let perms = rolePerms(guildId);
  for (const id of roleIds) perms |= rolePerms(id);
  return perms & P.Administrator ? ALL : perms;
}

export function channelPermissions(
  base: bigint,
  guildId: string,
  memberId: string,
  roleIds: string[],
  overwrites: Overwrite[],
): bigint {
  if (base & P.Administrator) return ALL;
  let perms = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === guildId);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && roleIds.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  perms = (perms & ~deny) | allow;
  const own = overwrites.find((o) => o.type === 1 && o.id === memberId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  return perms;
}
