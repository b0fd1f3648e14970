// Interactions from the member's side (a test clicks, types, submits) and from the bot's side
// (callbacks and webhook edits). Each interaction's promise settles on its final visible answer.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { HttpError, invalidFormBody, noContent, ok, type Reply, type UploadedFile } from "./http.js";
import type { Gateway } from "./gateway.js";
import { createMessage, editMessage } from "./messages.js";
import { snowflake } from "./snowflake.js";
import type { InteractionResult, Member, StoredMessage } from "./types.js";
import { FLAG_EPHEMERAL, validateChoices, validateModal } from "./validate.js";
import type { OpenModal } from "./components.js";
import type { World } from "./world.js";

export const ACK_DEADLINE_MS = 3000;
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** Callback types each interaction type may answer with (2 command, 3 component, 4 autocomplete, 5 modal). */
const ALLOWED: Record<number, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };

interface Pending {
  id: string;
  token: string;
  type: number;
  label: string;
  createdAt: number;
  /** performance.now() when INTERACTION_CREATE went out, and when the first callback came in. */
  sentAt: number;
  ackedAt?: number;
  member: Member;
  channelId: string;
  sourceMessage?: StoredMessage;
  acked: boolean;
  callbackType?: number;
  deferred: boolean;
  response?: StoredMessage;
  followUps: StoredMessage[];
  modal?: any;
  choices?: any[];
  settled: boolean;
  resolve: (r: InteractionResult) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface StartInput {
  type: 2 | 3 | 4 | 5;
  member: Member;
  channelId: string;
  data: Record<string, unknown>;
  label: string;
  message?: StoredMessage;
  timeoutMs: number;
  /**
   * Where the interaction comes from when it is not a channel of the campaign's server: another server
   * the bot was added to, or a DM. Replaces guild_id, guild, channel, member/user and app_permissions.
   */
  origin?: Record<string, unknown>;
}

export class Interactions {
  private readonly byId = new Map<string, Pending>();
  /** Modals shown to a member and not yet submitted, by `${memberId}:${customId}`. */
  readonly openModals = new Map<string, OpenModal>();

  constructor(
    private readonly world: World,
    private readonly gateway: Gateway,
  ) {}

  start(input: StartInput): Promise<InteractionResult> {
    this.prune();
    const { world } = this;
    const channel = world.channels.get(input.channelId);
    if (!input.origin && !channel?.guildId)
      return Promise.reject(new Error(`Discord emulator: ${input.channelId} is not a guild channel`));
    return new Promise<InteractionResult>((resolve, reject) => {
      const p: Pending = {
        id: snowflake(),
        token: `aW50ZXJhY3Rpb24${randomBytes(24).toString("base64url")}`,
        type: input.type,
        label: input.label,
        createdAt: Date.now(),
        sentAt: 0,
        member: input.member,
        channelId: input.channelId,
        ...(input.message ? { sourceMessage: input.message } : {}),
        acked: false,
        deferred: false,
        followUps: [],
        settled: false,
        resolve,
        reject,
      };
      const where = input.origin ?? this.campaignOrigin(input.member, channel!);
      const payload = {
        id: p.id,
        application_id: world.applicationId,
        type: p.type,
        token: p.token,
        version: 1,
        channel_id: input.channelId,
        locale: "en-US",
        entitlements: [],
        attachment_size_limit: 10 * 1024 * 1024,
        ...where,
        data: input.data,
        ...(input.message ? { message: world.apiMessage(input.message) } : {}),
      };
      p.sentAt = performance.now();
      // Routed to the shard of the guild it comes from (a DM: shard 0).
      if (
        !this.gateway.dispatch(
          "INTERACTION_CREATE",
          payload,
          undefined,
          typeof where.guild_id === "string" ? where.guild_id : "0",
        )
      ) {
        return reject(new Error(`Discord emulator: ${input.label}: no bot is connected (await waitForReady() first)`));
      }
      this.byId.set(p.id, p);
      p.timer = setTimeout(() => {
        const state = !p.acked ? "no callback" : `deferred (type ${p.callbackType}) but @original was never edited`;
        this.settle(p, new Error(`Discord emulator: ${input.label}: ${state} within ${input.timeoutMs} ms`));
      }, input.timeoutMs);
    });
  }

  /** The guild fields of an interaction from a channel of the campaign's server. */
  private campaignOrigin(member: Member, channel: { id: string }): Record<string, unknown> {
    const { world } = this;
    const perms = world.permissionsIn(member, channel.id);
    return {
      guild_id: world.guild.id,
      guild: { id: world.guild.id, locale: "en-US", features: [] },
      guild_locale: "en-US",
      channel: { ...world.apiChannel(world.channels.get(channel.id)!), permissions: perms.toString() },
      member: { ...world.apiMember(member), permissions: perms.toString() },
      app_permissions: world.permissionsIn(world.botMember(), channel.id).toString(),
      authorizing_integration_owners: { "0": world.guild.id },
      context: 0,
    };
  }

  /** POST /interactions/:id/:token/callback */
  callback(id: string, token: string, body: any, files: UploadedFile[], withResponse: boolean): Reply {
    const receivedAt = performance.now();
    const p = this.byId.get(id);
    if (!p || p.token !== token) throw new HttpError(404, 10062, "Unknown interaction");
    if (p.acked) throw new HttpError(400, 40060, "Interaction has already been acknowledged.");
    const age = Date.now() - p.createdAt;
    if (age > ACK_DEADLINE_MS) {
      this.settle(
        p,
        new Error(
          `Discord emulator: ${p.label}: answered after ${age} ms, more than 3 s; Discord refused it (10062 Unknown interaction)`,
        ),
      );
      throw new HttpError(404, 10062, "Unknown interaction");
    }
    const type = body?.type;
    const allowed = ALLOWED[p.type] ?? [];
    const fromMessage = p.sourceMessage !== undefined;
    if (!allowed.includes(type) || ((type === 6 || type === 7) && !fromMessage)) {
      throw invalidFormBody({
        type: {
          _errors: [
            {
              code: "INTERACTION_RESPONSE_TYPE_INVALID",
              message: `Callback type ${String(type)} is not valid for interaction type ${p.type}`,
            },
          ],
        },
      });
    }
    const data = body.data ?? {};
    const channelId = p.channelId;
    const replyType = p.type === 2 ? 20 : 0;
    switch (type) {
      case 4:
        p.response = createMessage(this.world, data, files, {
          channelId,
          ephemeral: ((data.flags ?? 0) & FLAG_EPHEMERAL) !== 0,
          interactionId: p.id,
          type: replyType,
        });
        break;
      case 5:
        if (((data.flags ?? 0) & ~FLAG_EPHEMERAL) !== 0)
          throw invalidFormBody({
            data: {
              flags: {
                _errors: [
                  { code: "MESSAGE_FLAGS_INVALID", message: "Only the ephemeral flag may be set on a deferred reply" },
                ],
              },
            },
          });
        p.response = createMessage(this.world, {}, [], {
          channelId,
          ephemeral: (data.flags & FLAG_EPHEMERAL) !== 0,
          interactionId: p.id,
          type: replyType,
          loading: true,
        });
        p.deferred = true;
        break;
      case 6:
        p.response = p.sourceMessage;
        p.deferred = true;
        break;
      case 7:
        p.response = editMessage(this.world, p.sourceMessage!, data, files);
        break;
      case 8:
        validateChoices(data);
        p.choices = data.choices;
        break;
      case 9:
        validateModal(data);
        p.modal = data;
        this.openModals.set(`${p.member.id}:${data.custom_id}`, {
          modal: data,
          channelId,
          ...(p.sourceMessage ? { message: p.sourceMessage } : {}),
        });
        break;
    }
    p.acked = true;
    p.ackedAt = receivedAt;
    p.callbackType = type;
    if (!p.deferred) this.settle(p);
    if (!withResponse) return noContent();
    const m = p.response;
    return ok({
      interaction: {
        id: p.id,
        type: p.type,
        activity_instance_id: null,
        response_message_id: m?.id ?? null,
        response_message_loading: p.deferred && type === 5,
        response_message_ephemeral: m?.ephemeral ?? false,
      },
      resource: { type, ...(m && type !== 6 ? { message: this.world.apiMessage(m) } : {}) },
    });
  }

  // ---- webhook routes (/webhooks/:app/:token...) ----

  webhookGet(app: string, token: string, messageId: string): Reply {
    const p = this.byToken(app, token);
    return ok(this.world.apiMessage(this.target(p, messageId)));
  }

  webhookEdit(app: string, token: string, messageId: string, body: any, files: UploadedFile[]): Reply {
    const p = this.byToken(app, token);
    const message = editMessage(this.world, this.target(p, messageId), body ?? {}, files);
    if (message === p.response && p.deferred) this.settle(p);
    return ok(this.world.apiMessage(message));
  }

  webhookDelete(app: string, token: string, messageId: string): Reply {
    const p = this.byToken(app, token);
    const message = this.target(p, messageId);
    message.deleted = true;
    if (message === p.response && p.deferred) this.settle(p);
    return noContent();
  }

  followUp(app: string, token: string, body: any, files: UploadedFile[]): Reply {
    const p = this.byToken(app, token);
    if (!p.acked || p.type === 4) throw new HttpError(404, 10015, "Unknown Webhook");
    const message = createMessage(this.world, body ?? {}, files, {
      channelId: p.channelId,
      ephemeral: ((body?.flags ?? 0) & FLAG_EPHEMERAL) !== 0,
      interactionId: p.id,
    });
    p.followUps.push(message);
    return ok(this.world.apiMessage(message));
  }

  private byToken(app: string, token: string): Pending {
    if (app !== this.world.applicationId) throw new HttpError(404, 10015, "Unknown Webhook");
    for (const p of this.byId.values()) if (p.token === token) return p;
    throw new HttpError(404, 10015, "Unknown Webhook");
  }

  private target(p: Pending, messageId: string): StoredMessage {
    const m = messageId === "@original" ? p.response : [p.response, ...p.followUps].find((x) => x?.id === messageId);
    if (!m || m.deleted) throw new HttpError(404, 10008, "Unknown Message");
    return m;
  }

  private settle(p: Pending, error?: Error): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    if (error) return p.reject(error);
    const m = p.response;
    p.resolve({
      callbackType: p.callbackType!,
      deferred: p.deferred,
      ephemeral: m?.ephemeral ?? false,
      ...(m ? { content: m.content } : {}),
      embeds: m?.embeds ?? [],
      components: m?.components ?? [],
      attachments: (m?.attachments ?? []).map((a) => ({ name: a.name, data: a.data })),
      ...(p.modal ? { modal: p.modal } : {}),
      ...(p.choices ? { choices: p.choices } : {}),
      ...(m ? { message: m } : {}),
      followUps: p.followUps,
      timing: { sentAt: p.sentAt, ackedAt: p.ackedAt!, settledAt: performance.now() },
    });
  }

  /** Interaction tokens live 15 minutes; forget older ones (the map is in creation order: stop at the first young one). */
  private prune(): void {
    const cutoff = Date.now() - TOKEN_LIFETIME_MS;
    for (const [id, p] of this.byId) {
      if (p.createdAt >= cutoff) break;
      this.byId.delete(id);
    }
  }

  close(): void {
    for (const p of this.byId.values())
      this.settle(p, new Error(`Discord emulator closed before ${p.label} was answered`));
    this.byId.clear();
  }
}
