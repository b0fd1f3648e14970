// The contract between the router and the files in commands/: a command exports its definition and thin
// handlers that turn an interaction into one service call and return what to answer. The router answers.
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  Client,
  BaseMessageOptions,
  ModalBuilder,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  StringSelectMenuInteraction,
} from "discord.js";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import type { Publishers } from "../x/publisher.js";

/** Everything a handler may use. Deliberately small: the rules live in src/services. */
export interface BotContext {
  db: Db;
  config: Config;
  log: Logger;
  /** The current time; one place to read it, so services can be given any clock in tests. */
  now(): Date;
  /** The address of the bot's HTTP server as the world sees it (PUBLIC_URL, or where it listens): for links. */
  publicUrl(): string;
  client: Client;
  /** Every loaded command (for /help). */
  commands: readonly CommandModule[];
  /** Asks for a message to be re-rendered soon; bursts of requests for one key become one edit. */
  refreshLater(key: string, render: () => Promise<void>): void;
  /** Tells the DM queue that rows were written, so they go out now rather than at the next tick. */
  wakeDmQueue(): void;
  /** The configured destinations' publishers (X, Bluesky, Mastodon), made once per process. */
  publishers: Publishers;
}

/** What a handler answers. `ephemeral` defaults to true: most answers concern only the member who asked. */
export type Reply = Omit<BaseMessageOptions, "allowedMentions"> & { ephemeral?: boolean };

export type Response =
  | ({ kind?: "reply" } & Reply)
  /** Replace the message the component sits on (an announcement's counts, a page of a list). */
  | { kind: "update"; message: Omit<Reply, "ephemeral"> }
  | { kind: "modal"; modal: ModalBuilder };

export type AutocompleteChoice = { name: string; value: string | number };

/** A component's customId is `<prefix>:<action>:<args...>`; the router matches the prefix. */
export interface ParsedCustomId {
  prefix: string;
  action: string;
  args: string[];
}

export type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction;

export interface HelpLine {
  usage: string;
  summary: string;
  organizer?: boolean;
}

/**
 * A command file's exports. Every handler may run more than once for one interaction: when the database
 * aborts a transaction for a write conflict or a deadlock (PostgreSQL under contention), the router runs
 * the handler again (withConflictRetry in router.ts). So a handler must be safe to run twice: its database
 * work in one transaction (rolled back whole before a retry), and anything it does outside the database
 * (a message posted, a scheduled event created) either after that transaction commits, or idempotent
 * (a Discord nonce with enforceNonce, an upsert keyed by the interaction), never "send, then record".
 *
 * customId prefixes (the keys of `components` and `modals`) are unique across all commands and contain no
 * ":" (loadCommands refuses a collision at start: two features answering one button would be a takeover).
 */
export interface CommandModule {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** One line per thing a member can do with this command; /help shows the ones the caller may use. */
  help: HelpLine[];
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<AutocompleteChoice[]>;
  /** Handlers for buttons and select menus, by customId prefix. */
  components?: Record<
    string,
    (interaction: ComponentInteraction, id: ParsedCustomId, ctx: BotContext) => Promise<Response>
  >;
  /** Handlers for modal submissions, by customId prefix. */
  modals?: Record<
    string,
    (interaction: ModalSubmitInteraction, id: ParsedCustomId, ctx: BotContext) => Promise<Response>
  >;
}
