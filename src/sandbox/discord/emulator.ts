// The in-process API of the Discord emulator: start it, add members, act as them, inspect what the
// bot did. Everything a test needs goes through this class.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { assertMember, findInteractive, modalSubmitComponents, selectData } from "./components.js";
import { Faults, type DiscordFault } from "./faults.js";
import { foreignOrigin, forgedData, type ForgeInput, type ForgeOrigin } from "./forge.js";
import { Gateway } from "./gateway.js";
import { Interactions, type StartInput } from "./interactions.js";
import { assertCanRun, buildCommandData, findCommand } from "./options.js";
import { createRestServer } from "./server.js";
import { snowflake } from "./snowflake.js";
import type {
  AddMemberInput,
  ApiUser,
  CommandRunOptions,
  EmulatorOptions,
  GuildInfo,
  InteractionResult,
  Member,
  MessageRef,
  OptionValue,
  RecordedRequest,
  StoredMessage,
} from "./types.js";
import { World, type ForeignGuild } from "./world.js";
import type { Overwrite } from "./permissions.js";

const DEFAULT_TIMEOUT_MS = 5000;
const GUILD_MEMBERS_INTENT = 1 << 1;

export class DiscordEmulator {
  readonly requests: RecordedRequest[] = [];
  readonly unknownRoutes: string[] = [];
  readonly token: string;
  apiUrl = "";
  private readonly world = new World();
  private readonly gateway: Gateway;
  private readonly interactions: Interactions;
  private readonly server: Server;
  private readonly faults: Faults;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.token = options.token ?? "emulator-bot-token";
    const log = options.log ?? (() => {});
    if (options.now) this.world.now = options.now;
    this.faults = new Faults(() => this.world.now());
    this.gateway = new Gateway(this.world, this.token, log);
    this.interactions = new Interactions(this.world, this.gateway);
    this.server = createRestServer({
      world: this.world,
      interactions: this.interactions,
      token: this.token,
      gatewayUrl: () => this.gateway.url,
      dispatch: (event, data, intent, guildId) => void this.gateway.dispatch(event, data, intent, guildId),
      log,
      requests: this.requests,
      unknownRoutes: this.unknownRoutes,
      faults: this.faults,
    });
  }

  /** @internal use startDiscordEmulator() */
  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.world.baseUrl = `http://127.0.0.1:${port}`;
    this.gateway.attach(this.server, `ws://127.0.0.1:${port}/gateway`);
    return this;
  }

  get applicationId(): string {
    return this.world.applicationId;
  }
  get botUser(): ApiUser {
    return this.world.botUser;
  }
  get guild(): GuildInfo {
    return this.world.guild;
  }
  get bulkOverwriteCount(): number {
    return this.world.bulkOverwriteCount;
  }

  /** Adds a member (GUILD_MEMBER_ADD reaches bots with the GuildMembers intent). */
  addMember(input: AddMemberInput): Member {
    const member = this.world.addMember(input);
    this.gateway.dispatch(
      "GUILD_MEMBER_ADD",
      { ...this.world.apiMember(member), guild_id: this.world.guild.id },
      GUILD_MEMBERS_INTENT,
    );
    return member;
  }
  removeMember(id: string): void {
    const member = this.world.member(id);
    if (!member || id === this.world.botUser.id) return;
    this.world.members.delete(id);
    this.gateway.dispatch(
      "GUILD_MEMBER_REMOVE",
      { guild_id: this.world.guild.id, user: member.user },
      GUILD_MEMBERS_INTENT,
    );
  }
  member(id: string): Member | undefined {
    return this.world.member(id);
  }

  /**
   * Makes REST calls fail as in a Discord outage (see DiscordFault): until `fault.until` on the emulator's clock,
   * for `fault.times` calls, or until the returned function is called.
   */
  outage(fault: DiscordFault): () => void {
    return this.faults.add(fault);
  }

  /** Closes the bot's gateway session with a close code, as Discord does (4004: authentication failed, 4014: disallowed intents). */
  closeGateway(code: number, reason = ""): boolean {
    return this.gateway.closeSessions(code, reason) > 0;
  }

  isReady(): boolean {
    return this.gateway.isReady();
  }
  /** Resolves once a bot has identified and received GUILD_CREATE (at once if one is connected). */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    return this.gateway.waitForReady(timeoutMs);
  }
  /** Identified sessions that receive the guild's events now: with several processes on one shard, each counts. */
  get sessionCount(): number {
    return this.gateway.sessionCount;
  }
  /** Successful IDENTIFYs so far; after restarting a bot, wait for this to grow. */
  get identifyCount(): number {
    return this.gateway.identifyCount;
  }

  /** Registered command definitions as Discord returns them. */
  commands(scope: "guild" | "global" = "guild"): any[] {
    return [...this.world.commands[scope].values()];
  }

  scheduledEvents(): any[] {
    return [...this.world.scheduledEvents.values()];
  }

  // ---- acting as a member ----

  runCommand(
    member: Member,
    name: string,
    options: Record<string, OptionValue> = {},
    opts: CommandRunOptions = {},
  ): Promise<InteractionResult> {
    return this.guarded(() => {
      const cmd = findCommand(this.world, name);
      assertMember(this.world, member);
      assertCanRun(
        this.world,
        member,
        cmd,
        opts.channelId ?? this.world.guild.channels.general,
        opts.ignoreDefaultPermissions ?? false,
      );
      const data = buildCommandData(this.world, cmd, { options, ...subOpts(opts) });
      return this.start({
        type: 2,
        member,
        channelId: opts.channelId,
        data,
        label: label(name, opts),
        timeoutMs: opts.timeoutMs,
      });
    });
  }

  async autocomplete(
    member: Member,
    name: string,
    options: Record<string, OptionValue>,
    focused: string,
    opts: CommandRunOptions = {},
  ): Promise<{ name: string; value: string | number }[]> {
    const result = await this.guarded(() => {
      const cmd = findCommand(this.world, name);
      assertMember(this.world, member);
      assertCanRun(
        this.world,
        member,
        cmd,
        opts.channelId ?? this.world.guild.channels.general,
        opts.ignoreDefaultPermissions ?? false,
      );
      const data = buildCommandData(this.world, cmd, { options, focused, ...subOpts(opts) });
      const l = `${label(name, opts)} (autocomplete ${focused})`;
      return this.start({ type: 4, member, channelId: opts.channelId, data, label: l, timeoutMs: opts.timeoutMs });
    });
    return result.choices ?? [];
  }

  clickButton(
    member: Member,
    message: MessageRef,
    customId: string,
    opts: { timeoutMs?: number } = {},
  ): Promise<InteractionResult> {
    return this.guarded(() => {
      const m = this.resolveMessage(message);
      findInteractive(m, customId, "button");
      const data = { custom_id: customId, component_type: 2 };
      return this.start({
        type: 3,
        member,
        channelId: m.channel_id,
        data,
        message: m,
        label: `button "${customId}"`,
        timeoutMs: opts.timeoutMs,
      });
    });
  }

  selectMenu(
    member: Member,
    message: MessageRef,
    customId: string,
    values: string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<InteractionResult> {
    return this.guarded(() => {
      const m = this.resolveMessage(message);
      const data = selectData(this.world, findInteractive(m, customId, "select"), values);
      return this.start({
        type: 3,
        member,
        channelId: m.channel_id,
        data,
        message: m,
        label: `select "${customId}"`,
        timeoutMs: opts.timeoutMs,
      });
    });
  }

  /** Submits a modal the bot showed this member (answers by input custom_id; string selects take string[]). */
  submitModal(
    member: Member,
    customId: string,
    fields: Record<string, string | string[]>,
    opts: { message?: MessageRef; timeoutMs?: number } = {},
  ): Promise<InteractionResult> {
    return this.guarded(() => {
      const key = `${member.id}:${customId}`;
      const open = this.interactions.openModals.get(key);
      if (!open) throw new Error(`Discord emulator: no modal "${customId}" is open for ${member.username}`);
      const components = modalSubmitComponents(open.modal, fields);
      this.interactions.openModals.delete(key);
      const message = opts.message ? this.resolveMessage(opts.message) : open.message;
      const data = { custom_id: customId, components };
      return this.start({
        type: 5,
        member,
        channelId: open.channelId,
        data,
        ...(message ? { message } : {}),
        label: `modal "${customId}"`,
        timeoutMs: opts.timeoutMs,
      });
    });
  }

  // ---- playing the attacker ----

  /** Someone adds the bot to their own server: GUILD_CREATE reaches the bot. Its owner holds every permission there. */
  addForeignGuild(name = "Somebody else's server", ownerName = "intruder"): ForeignGuild {
    const guild = this.world.addForeignGuild(name, ownerName);
    this.gateway.dispatch("GUILD_CREATE", this.world.apiForeignGuild(guild), undefined, guild.id);
    return guild;
  }

  /** Ids of the servers the bot left (DELETE /users/@me/guilds/:id), in order. */
  get leftGuilds(): readonly string[] {
    return this.world.leftGuilds;
  }

  /** Sets a member's (type 1) or role's (type 0) permission overwrite on a channel, as a server admin would. */
  setOverwrite(channelId: string, overwrite: Overwrite): void {
    const channel = this.world.channels.get(channelId);
    if (!channel?.guildId) throw new Error(`Discord emulator: no guild channel ${channelId}`);
    channel.overwrites = [...channel.overwrites.filter((o) => o.id !== overwrite.id), overwrite];
    this.gateway.dispatch("CHANNEL_UPDATE", this.world.apiChannel(channel));
  }

  /** Global commands an older registration left behind (as if the application had registered them globally). */
  seedGlobalCommands(defs: { name: string; description: string }[]): void {
    for (const def of defs)
      this.world.commands.global.set(`1:${def.name}`, {
        id: snowflake(),
        application_id: this.world.applicationId,
        version: "1",
        type: 1,
        options: [],
        default_member_permissions: null,
        ...def,
      });
  }

  /**
   * Sends what a modified client could: any customId, select values outside the menu, modal answers the
   * modal never asked for, from the campaign's server (default), another server, or a DM. Commands are
   * built from their registered definitions. `message` is the message a component claims to sit on.
   */
  forge(
    member: Member,
    input: ForgeInput,
    opts: { origin?: ForgeOrigin; message?: MessageRef; channelId?: string; timeoutMs?: number } = {},
  ): Promise<InteractionResult> {
    return this.guarded(() => {
      const { type, data, label } = forgedData(this.world, input);
      const message = opts.message ? this.resolveMessage(opts.message) : undefined;
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      if (opts.origin) {
        const { channelId, fields } = foreignOrigin(this.world, member, opts.origin);
        return this.interactions.start({
          type,
          member,
          channelId,
          data,
          label,
          timeoutMs,
          origin: fields,
          ...(message ? { message } : {}),
        });
      }
      assertMember(this.world, member);
      return this.interactions.start({
        type,
        member,
        channelId: opts.channelId ?? message?.channel_id ?? this.world.guild.channels.general,
        data,
        label,
        timeoutMs,
        ...(message ? { message } : {}),
      });
    });
  }

  // ---- inspecting what the bot did ----

  /** Visible messages of a channel, oldest first, edits applied (ephemeral ones only with the flag). */
  messages(channelId: string, opts: { includeEphemeral?: boolean; includeDeleted?: boolean } = {}): StoredMessage[] {
    return [...this.world.messages.values()].filter(
      (m) =>
        m.channel_id === channelId && (opts.includeEphemeral || !m.ephemeral) && (opts.includeDeleted || !m.deleted),
    );
  }

  /** Direct messages the bot sent to a user. */
  dms(userId: string): StoredMessage[] {
    return this.messages(this.world.dmChannelFor(userId).id);
  }

  message(id: string): StoredMessage | undefined {
    return this.world.messages.get(id);
  }

  /** Polls recorded state until `predicate` returns a truthy value, which it resolves with. */
  async waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`Discord emulator: waitFor condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.faults.clear();
    for (const res of this.faults.hung) res.destroy();
    this.interactions.close();
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private start(
    input: Omit<StartInput, "channelId" | "timeoutMs"> & {
      channelId: string | undefined;
      timeoutMs: number | undefined;
    },
  ) {
    assertMember(this.world, input.member);
    return this.interactions.start({
      ...input,
      channelId: input.channelId ?? this.world.guild.channels.general,
      timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  /** Turns synchronous mistakes (unknown option, missing button) into a rejected promise. */
  private guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return fn();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private resolveMessage(ref: MessageRef): StoredMessage {
    const id = typeof ref === "string" ? ref : "id" in ref ? ref.id : ref.message?.id;
    const m = id === undefined ? undefined : this.world.messages.get(id);
    if (!m) throw new Error(`Discord emulator: no message ${id ?? "(the interaction result has no message)"}`);
    return m;
  }
}

const subOpts = (o: CommandRunOptions) => ({
  ...(o.subcommand ? { subcommand: o.subcommand } : {}),
  ...(o.group ? { group: o.group } : {}),
});
const label = (name: string, o: CommandRunOptions) => `/${[name, o.group, o.subcommand].filter(Boolean).join(" ")}`;

export async function startDiscordEmulator(options: EmulatorOptions = {}): Promise<DiscordEmulator> {
  return new DiscordEmulator(options).listen();
}
