// The emulated world: one guild with its roles, channels and members, DM channels, every message the
// bot sent, registered commands and scheduled events. Plain state plus the conversions to API JSON.
import { snowflake } from "./snowflake.js";
import {
  BOT_PERMS,
  EVERYONE_PERMS,
  ORGANIZER_PERMS,
  P,
  basePermissions,
  channelPermissions,
  type Overwrite,
} from "./permissions.js";
import type { AddMemberInput, ApiUser, GuildInfo, Member, StoredAttachment, StoredMessage } from "./types.js";

/** A server other than the campaign's that someone added the bot to (anyone can invite a public bot). */
export interface ForeignGuild {
  id: string;
  name: string;
  channelId: string;
  /** Its owner: an outsider to the campaign's server, with every permission in their own. */
  owner: Member;
  /** Whether the bot is still in it (false once it left with DELETE /users/@me/guilds/:id). */
  joined: boolean;
}

export interface Role {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  managed: boolean;
  botId?: string;
}

export interface Channel {
  id: string;
  /** 0 guild text, 1 DM */
  type: number;
  name?: string;
  guildId?: string;
  overwrites: Overwrite[];
  recipientId?: string;
}

const makeUser = (id: string, username: string, displayName: string | null, bot = false): ApiUser => ({
  id,
  username,
  global_name: displayName,
  discriminator: "0",
  avatar: null,
  ...(bot ? { bot: true } : {}),
  public_flags: 0,
});

export class World {
  readonly applicationId = snowflake();
  readonly botUser: ApiUser = makeUser(this.applicationId, "keep-dancing", "Keep Dancing", true);
  readonly ownerId = snowflake();
  readonly guild: GuildInfo;
  readonly createdAt = new Date().toISOString();
  readonly roles = new Map<string, Role>();
  readonly channels = new Map<string, Channel>();
  readonly members = new Map<string, Member>();
  readonly messages = new Map<string, StoredMessage>();
  /** Nonces of messages created with one, for enforce_nonce: `<channel>:<nonce>`. */
  readonly nonces = new Map<string, { message: StoredMessage; at: number }>();
  /** The emulator's clock (ms): tests that play hours of an outage pass their own. Message timestamps and nonce windows read it. */
  now: () => number = Date.now;
  /** Attachments by id, served at /attachments/:id/:name. */
  readonly attachments = new Map<string, StoredAttachment>();
  readonly commands = { guild: new Map<string, any>(), global: new Map<string, any>() };
  readonly scheduledEvents = new Map<string, any>();
  bulkOverwriteCount = 0;
  baseUrl = "";
  readonly foreignGuilds = new Map<string, ForeignGuild>();
  /** Guilds the bot left, in order. */
  readonly leftGuilds: string[] = [];

  constructor() {
    const guildId = snowflake();
    const id = () => snowflake();
    this.guild = {
      id: guildId,
      name: "Keep Dancing",
      channels: { general: id(), announce: id(), review: id() },
      roles: { everyone: guildId, organizer: id(), firstAid: id(), bot: id() },
    };
    const r = this.guild.roles;
    this.roles.set(r.everyone, {
      id: r.everyone,
      name: "@everyone",
      permissions: EVERYONE_PERMS,
      position: 0,
      managed: false,
    });
    this.roles.set(r.firstAid, { id: r.firstAid, name: "First Aid", permissions: 0n, position: 1, managed: false });
    this.roles.set(r.organizer, {
      id: r.organizer,
      name: "Organizer",
      permissions: ORGANIZER_PERMS,
      position: 2,
      managed: false,
    });
    this.roles.set(r.bot, {
      id: r.bot,
      name: "Keep Dancing",
      permissions: BOT_PERMS,
      position: 3,
      managed: true,
      botId: this.botUser.id,
    });
    const c = this.guild.channels;
    const text = (cid: string, name: string, overwrites: Overwrite[] = []) =>
      this.channels.set(cid, { id: cid, type: 0, name, guildId, overwrites });
    text(c.general, "general");
    // Members read announcements; only organizers and the bot post there.
    text(c.announce, "announcements", [
      { id: guildId, type: 0, allow: 0n, deny: P.SendMessages },
      { id: r.organizer, type: 0, allow: P.SendMessages, deny: 0n },
      { id: r.bot, type: 0, allow: P.SendMessages, deny: 0n },
    ]);
    // The review channel is for organizers only.
    text(c.review, "organizer-review", [
      { id: guildId, type: 0, allow: 0n, deny: P.ViewChannel },
      { id: r.organizer, type: 0, allow: P.ViewChannel | P.SendMessages, deny: 0n },
      { id: r.bot, type: 0, allow: P.ViewChannel | P.SendMessages, deny: 0n },
    ]);
    this.members.set(this.botUser.id, {
      id: this.botUser.id,
      username: this.botUser.username,
      displayName: "Keep Dancing",
      roles: [r.bot],
      dmsOpen: false,
      joinedAt: this.createdAt,
      user: this.botUser,
    });
  }

  addMember(input: AddMemberInput): Member {
    const id = input.id ?? snowflake();
    const keys = this.guild.roles as Record<string, string>;
    const roles = new Set((input.roles ?? []).map((r) => keys[r] ?? r));
    if (input.organizer) roles.add(this.guild.roles.organizer);
    for (const role of roles) if (!this.roles.has(role)) throw new Error(`addMember: unknown role "${role}"`);
    roles.delete(this.guild.id);
    const displayName = input.displayName ?? input.username;
    const member: Member = {
      id,
      username: input.username,
      displayName,
      roles: [...roles],
      dmsOpen: input.dmsOpen ?? true,
      joinedAt: new Date().toISOString(),
      user: makeUser(id, input.username, displayName),
    };
    this.members.set(id, member);
    return member;
  }

  /** A server of someone else's with the bot in it; its owner is a user unknown to the campaign's server. */
  addForeignGuild(name: string, ownerName: string): ForeignGuild {
    const id = snowflake();
    const ownerId = snowflake();
    const owner: Member = {
      id: ownerId,
      username: ownerName,
      displayName: ownerName,
      roles: [],
      dmsOpen: true,
      joinedAt: new Date().toISOString(),
      user: makeUser(ownerId, ownerName, ownerName),
    };
    const guild: ForeignGuild = { id, name, channelId: snowflake(), owner, joined: true };
    this.foreignGuilds.set(id, guild);
    return guild;
  }

  /** GUILD_CREATE of a foreign guild: its owner, one text channel, the @everyone role. */
  apiForeignGuild(g: ForeignGuild): Record<string, unknown> {
    const everyone = {
      ...this.apiRole({ id: g.id, name: "@everyone", permissions: EVERYONE_PERMS, position: 0, managed: false }),
    };
    const channel = {
      id: g.channelId,
      type: 0,
      guild_id: g.id,
      name: "general",
      position: 0,
      permission_overwrites: [],
      topic: null,
      nsfw: false,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
      flags: 0,
    };
    const {
      id: _id,
      name: _name,
      owner_id: _owner,
      roles: _roles,
      channels: _channels,
      guild_scheduled_events: _events,
      member_count: _count,
      ...rest
    } = this.apiGuild();
    return {
      ...rest,
      id: g.id,
      name: g.name,
      owner_id: g.owner.id,
      system_channel_id: g.channelId,
      member_count: 2,
      roles: [everyone],
      channels: [channel],
      guild_scheduled_events: [],
      members: [{ ...this.apiMember(this.botMember()), roles: [] }],
    };
  }

  member(id: string): Member | undefined {
    return this.members.get(id);
  }

  guildPermissions(member: Member): bigint {
    return basePermissions(this.guild.id, member.roles, (id) => this.roles.get(id)?.permissions ?? 0n);
  }

  permissionsIn(member: Member, channelId: string): bigint {
    const channel = this.channels.get(channelId);
    const base = this.guildPermissions(member);
    if (!channel?.guildId) return base;
    return channelPermissions(base, this.guild.id, member.id, member.roles, channel.overwrites);
  }

  botMember(): Member {
    return this.members.get(this.botUser.id)!;
  }

  dmChannelFor(userId: string): Channel {
    for (const c of this.channels.values()) if (c.type === 1 && c.recipientId === userId) return c;
    const channel: Channel = { id: snowflake(), type: 1, overwrites: [], recipientId: userId };
    this.channels.set(channel.id, channel);
    return channel;
  }

  storeAttachment(name: string, data: Buffer, contentType: string, description?: string): StoredAttachment {
    const att: StoredAttachment = {
      id: snowflake(),
      name,
      data,
      content_type: contentType,
      ...(description ? { description } : {}),
    };
    this.attachments.set(att.id, att);
    return att;
  }

  // ---- API JSON ----

  apiRole(role: Role): Record<string, unknown> {
    return {
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: role.managed,
      mentionable: false,
      flags: 0,
      ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
    };
  }

  apiChannel(channel: Channel): Record<string, unknown> {
    if (channel.type === 1) {
      const recipient = this.members.get(channel.recipientId ?? "")?.user;
      return { id: channel.id, type: 1, last_message_id: null, flags: 0, recipients: recipient ? [recipient] : [] };
    }
    return {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      position: [...this.channels.keys()].indexOf(channel.id),
      permission_overwrites: channel.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
      topic: null,
      nsfw: false,
      last_message_id: null,
      rate_limit_per_user: 0,
      parent_id: null,
      flags: 0,
    };
  }

  apiMember(member: Member, withUser = true): Record<string, unknown> {
    return {
      ...(withUser ? { user: member.user } : {}),
      nick: member.displayName === member.username ? null : member.displayName,
      avatar: null,
      roles: member.roles,
      joined_at: member.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  apiAttachment(att: StoredAttachment): Record<string, unknown> {
    const url = `${this.baseUrl}/attachments/${att.id}/${encodeURIComponent(att.name)}`;
    return {
      id: att.id,
      filename: att.name,
      size: att.data.length,
      url,
      proxy_url: url,
      content_type: att.content_type,
      ...(att.description ? { description: att.description } : {}),
    };
  }

  apiMessage(m: StoredMessage): Record<string, unknown> {
    return {
      id: m.id,
      channel_id: m.channel_id,
      ...(m.guild_id ? { guild_id: m.guild_id } : {}),
      author: m.author,
      content: m.content,
      timestamp: m.timestamp,
      edited_timestamp: m.edited_timestamp,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments.map((a) => this.apiAttachment(a)),
      embeds: m.embeds,
      components: m.components,
      pinned: false,
      type: m.type,
      flags: m.flags,
      ...(m.interaction_id ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
    };
  }

  apiGuild(): Record<string, unknown> {
    const guildChannels = [...this.channels.values()].filter((c) => c.guildId);
    return {
      id: this.guild.id,
      name: this.guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: 0,
      premium_subscription_count: 0,
      system_channel_id: this.guild.channels.general,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      preferred_locale: "en-US",
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      application_id: null,
      joined_at: this.createdAt,
      large: false,
      unavailable: false,
      member_count: this.members.size,
      roles: [...this.roles.values()].map((r) => this.apiRole(r)),
      channels: guildChannels.map((c) => this.apiChannel(c)),
      members: [],
      threads: [],
      emojis: [],
      stickers: [],
      features: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [...this.scheduledEvents.values()],
    };
  }
}
