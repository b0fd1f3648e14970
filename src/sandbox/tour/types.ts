// The demo's script API: each feature writes a chapter against it (src/sandbox/tour/<feature>.ts).
import type { BotProcess } from "../botProcess.js";
import type {
  CommandRunOptions,
  DiscordEmulator,
  InteractionResult,
  Member,
  MessageRef,
  OptionValue,
  StoredMessage,
} from "../discord/index.js";
import type { BlueskyEmulator } from "../bluesky/index.js";
import type { MastodonEmulator } from "../mastodon/index.js";
import type { XEmulator } from "../x/index.js";

export interface Cast {
  /** The organizer. */
  ava: Member;
  ben: Member;
  chloe: Member;
  dev: Member;
  eli: Member;
  /** Holds the First Aid role. */
  fatima: Member;
  /** Has DMs closed. */
  gus: Member;
  /** The famous DJ who offers a free set. */
  lumen: Member;
  /** `n` more members, created on demand (crowd-001, crowd-002, ...). */
  crowd(n: number): Member[];
}

export interface Tour {
  discord: DiscordEmulator;
  x: XEmulator;
  bluesky: BlueskyEmulator;
  mastodon: MastodonEmulator;
  bot: BotProcess;
  timezone: string;
  cast: Cast;
  /** A folder for files the tour saves (the progress card, an export). */
  outDir: string;
  chapter(title: string): void;
  narrate(text: string): void;
  /** A member types a slash command; prints it and the answer. `quiet` skips the printing. */
  command(
    member: Member,
    name: string,
    options?: Record<string, OptionValue>,
    opts?: CommandRunOptions & { quiet?: boolean },
  ): Promise<InteractionResult>;
  click(
    member: Member,
    message: MessageRef,
    customId: string,
    opts?: { quiet?: boolean; label?: string },
  ): Promise<InteractionResult>;
  select(
    member: Member,
    message: MessageRef,
    customId: string,
    values: string[],
    opts?: { quiet?: boolean },
  ): Promise<InteractionResult>;
  submitModal(
    member: Member,
    customId: string,
    fields: Record<string, string>,
    opts?: { quiet?: boolean },
  ): Promise<InteractionResult>;
  autocomplete(
    member: Member,
    name: string,
    options: Record<string, OptionValue>,
    focused: string,
    opts?: { subcommand?: string; group?: string },
  ): Promise<{ name: string; value: string | number }[]>;
  /** Prints the last messages of a channel (default: the last one). */
  showChannel(channelId: string, opts?: { last?: number; title?: string }): StoredMessage[];
  /** Prints the DMs a member received (default: the last one). */
  showDms(member: Member, opts?: { last?: number }): StoredMessage[];
  /** Waits for something the bot does in the background (a DM, an edit, a post). */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
}
