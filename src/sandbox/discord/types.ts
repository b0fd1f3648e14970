// Public shapes of the Discord emulator. Message fields use Discord's own (snake_case) names so a
// test reads a stored message the way it would read the API's JSON.

export interface EmulatorOptions {
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** The bot token the emulator accepts. */
  token?: string;
  log?: (line: string) => void;
  /** The emulator's clock in ms (default Date.now): outages, nonce windows and message times read it. */
  now?: () => number;
}

export interface ApiUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot?: boolean;
  public_flags: number;
}

export interface Member {
  id: string;
  username: string;
  displayName: string;
  /** Role ids (the everyone role is implicit, as on Discord). */
  roles: string[];
  dmsOpen: boolean;
  joinedAt: string;
  user: ApiUser;
}

export interface AddMemberInput {
  id?: string;
  username: string;
  displayName?: string;
  /** Role ids, or the keys of `guild.roles` ("organizer", "firstAid"). */
  roles?: string[];
  /** Adds the organizer role (ManageGuild | ManageEvents). */
  organizer?: boolean;
  /** false: DMs to this member fail with 403 code 50007. Default true. */
  dmsOpen?: boolean;
}

export interface GuildInfo {
  id: string;
  name: string;
  channels: { general: string; announce: string; review: string };
  roles: { everyone: string; organizer: string; firstAid: string; bot: string };
}

export interface StoredAttachment {
  id: string;
  name: string;
  data: Buffer;
  content_type: string;
  description?: string;
}

/** A message as it looked before an edit. */
export interface MessageVersion {
  content: string;
  embeds: any[];
  components: any[];
  attachments: StoredAttachment[];
  flags: number;
  edited_at: string;
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ApiUser;
  content: string;
  embeds: any[];
  components: any[];
  attachments: StoredAttachment[];
  flags: number;
  allowed_mentions?: any;
  /** Discord message type: 0 default, 20 reply to a slash command. */
  type: number;
  timestamp: string;
  edited_timestamp: string | null;
  /** Only the interaction's user sees it; not listed by `messages(channelId)`. */
  ephemeral: boolean;
  deleted: boolean;
  /** Set for interaction responses and follow-ups. */
  interaction_id?: string;
  /** Earlier versions, oldest first (the current state is the message itself). */
  history: MessageVersion[];
}

export interface InteractionResult {
  callbackType: number;
  deferred: boolean;
  ephemeral: boolean;
  content?: string;
  embeds: any[];
  components: any[];
  attachments: { name: string; data: Buffer }[];
  modal?: any;
  choices?: { name: string; value: string | number }[];
  /** The response message (live: later edits show up here). Absent for modals and autocomplete. */
  message?: StoredMessage;
  /** Follow-up messages (live: later follow-ups are appended). */
  followUps: StoredMessage[];
  /**
   * performance.now() when INTERACTION_CREATE was sent, when the bot's first callback arrived (its
   * acknowledgement) and when this result settled (a deferred reply settles on its edit). For benchmarks.
   */
  timing: { sentAt: number; ackedAt: number; settledAt: number };
}

export interface RecordedRequest {
  method: string;
  /** The path below /api/v10, e.g. "/channels/123/messages". */
  path: string;
  status: number;
  body: unknown;
}

/** An attachment a test passes as the value of an attachment (type 11) option. */
export interface AttachmentInput {
  name: string;
  data: Buffer;
  contentType?: string;
}

export type OptionValue = string | number | boolean | AttachmentInput;

/** A message, its id, or an interaction result whose `message` is meant. */
export type MessageRef = StoredMessage | InteractionResult | string;

export interface CommandRunOptions {
  subcommand?: string;
  group?: string;
  channelId?: string;
  timeoutMs?: number;
  /**
   * Discord hides a command from members lacking its `default_member_permissions` (and from everyone
   * where a member cannot use commands). true simulates a server admin's override, to test the bot's
   * own permission check.
   */
  ignoreDefaultPermissions?: boolean;
}
