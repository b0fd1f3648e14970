// Sends the DM outbox (src/services/directMessages.ts) at a steady pace, one job across all processes.
// Discord answers a burst of DMs with rate limits and, worse, flags the bot as spam: so never all at once.
//
// Outages lose nothing: a transient failure (5xx, a time-out, a dropped connection, a long rate limit) puts the
// row back with backoff until DM_RETRY_HOURS after its first attempt, and ends the run (Discord is unwell: the
// next tick probes again with one message, not a batch of time-outs). Only permanent answers end a message at
// once: closed DMs (posted in the fallback channel instead) and an unknown member.
//
// Exactly once: a row is claimed in the database before it is sent (a database that refuses writes means
// nothing goes out), sent with a nonce Discord enforces for a few minutes, and a row whose outcome was never
// recorded is checked against the member's DM channel before it is sent again past that window.
import crypto from "node:crypto";
import { DiscordAPIError, HTTPError, RateLimitError, RESTJSONErrorCodes, type Client, type Message } from "discord.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { claimDm, dueDms, markDm, retryDmLater, type DmRow } from "../services/directMessages.js";
import { showMessage } from "./views/text.js";

/** DMs per second, well under what Discord tolerates from one bot. */
export const DM_PER_SECOND = 5;
/** Discord enforces a nonce for "the past few minutes": past this, a retry checks the channel instead of trusting it. */
export const NONCE_TRUST_MS = 2 * 60_000;

export type DmFailure =
  | { kind: "closed" }
  | { kind: "unknown-user" }
  | { kind: "rejected"; why: string }
  | { kind: "transient"; why: string; retryAt?: Date };

/** What a failed send means: only closed DMs, an unknown member and a refused request are permanent. */
export function classifyDmError(err: unknown, now: Date): DmFailure {
  if (err instanceof RateLimitError)
    return {
      kind: "transient",
      why: `rate limited for ${Math.ceil(err.retryAfter / 1000)} s`,
      retryAt: new Date(now.getTime() + err.retryAfter),
    };
  if (err instanceof DiscordAPIError) {
    if (err.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser) return { kind: "closed" };
    if (err.code === RESTJSONErrorCodes.UnknownUser) return { kind: "unknown-user" };
    if (err.status === 429 || err.status === 408 || err.status >= 500)
      return { kind: "transient", why: `Discord answered ${err.status}: ${err.message}` };
    return { kind: "rejected", why: `Discord refused it (${err.status} ${err.code}): ${err.message}` };
  }
  if (err instanceof HTTPError) {
    if (err.status === 408 || err.status >= 500) return { kind: "transient", why: `Discord answered ${err.status}` };
    return { kind: "rejected", why: `Discord answered ${err.status}` };
  }
  // Time-outs (AbortError), refused or dropped connections, DNS: no answer at all. Anything unknown is treated the
  // same way, retried until the age limit: giving a message up for an error we cannot name would break the promise.
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  return {
    kind: "transient",
    why:
      e?.name === "AbortError"
        ? "Discord did not answer in time"
        : `${e?.message ?? String(err)}${e?.cause?.code ? ` (${e.cause.code})` : ""}`,
  };
}

/**
 * What a failed send is worth logging: discord.js's DiscordAPIError carries the request body (the DM's
 * text, private to its reader), so only its name, code, status and message go to the log. The sender
 * itself logs only classifyDmError's `why` (a status and message, never the body).
 */
export function withoutContent(err: unknown): Record<string, unknown> {
  if (err instanceof DiscordAPIError)
    return { type: err.name, code: err.code, status: err.status, message: err.message, method: err.method };
  const e = err as { name?: string; message?: string; code?: unknown } | undefined;
  return {
    type: e?.name ?? typeof err,
    message: String(e?.message ?? err).slice(0, 200),
    ...(e?.code !== undefined ? { code: e.code } : {}),
  };
}

export interface DmSenderDeps {
  db: Db;
  client: Client;
  log: Logger;
  perSecond?: number;
  /** DM_RETRY_HOURS: how long transient failures are retried, from the first attempt. */
  retryHours?: number;
}

export function createDmSender(deps: DmSenderDeps) {
  const perSecond = deps.perSecond ?? DM_PER_SECOND;
  const retryHours = deps.retryHours ?? 24;
  /** Delivered, but the database refused to record it: recorded first at the next run, before anything new is sent. */
  const unrecorded = new Map<number, { outcome: "sent" | "fallback"; messageId: string; at: Date; error?: string }>();

  /** Sends what is due, at most `perSecond` a second, for at most `budgetMs`. Returns how many went out. */
  return async function flushDms(now: Date, budgetMs = 10_000): Promise<number> {
    await recordOutcomes();
    const batch = await dueDms(deps.db, now, Math.max(1, Math.floor((perSecond * budgetMs) / 1000)));
    let sent = 0;
    for (const dm of batch) {
      const started = Date.now();
      if (dm.expiresAt && dm.expiresAt <= now) {
        await markDm(deps.db, dm.id, "dropped", now, { error: "its moment passed before it could be sent" });
        continue;
      }
      // Throws when the database refuses writes: the run stops before anything is sent.
      if (!(await claimDm(deps.db, dm, now))) continue;
      const attempt = { ...dm, attempts: dm.attempts + 1, firstAttemptAt: dm.firstAttemptAt ?? now };
      let delivered: { outcome: "sent" | "fallback"; messageId: string; error?: string } | null;
      try {
        delivered = await deliver(dm, now);
      } catch (err) {
        const failure = classifyDmError(err, now);
        if (failure.kind === "transient") {
          const again = await retryDmLater(deps.db, attempt, now, failure.why, retryHours, failure.retryAt);
          deps.log.warn(
            { dm: dm.id, attempts: attempt.attempts, why: failure.why, gaveUp: !again },
            again ? "DM failed; will retry" : "DM given up after DM_RETRY_HOURS of failures",
          );
          break; // Discord is unwell: the next run tries again, one message first
        }
        await markDm(deps.db, dm.id, "failed", now, {
          error: failure.kind === "rejected" ? failure.why : failure.kind,
        });
        deps.log.warn(
          { dm: dm.id, why: failure.kind === "rejected" ? failure.why : failure.kind },
          "DM failed for good",
        );
        continue;
      }
      if (delivered) {
        try {
          await markDm(deps.db, dm.id, delivered.outcome, now, {
            messageId: delivered.messageId,
            ...(delivered.error ? { error: delivered.error } : {}),
          });
        } catch (err) {
          unrecorded.set(dm.id, { ...delivered, at: now });
          deps.log.error(
            { err, dm: dm.id },
            "the database refused to record a delivered DM; sending stops until it accepts writes",
          );
          throw err;
        }
        if (delivered.outcome === "sent") sent++;
      } else {
        await markDm(deps.db, dm.id, "failed", now, { error: "DMs closed" });
      }
      const pause = 1000 / perSecond - (Date.now() - started);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
    return sent;
  };

  async function recordOutcomes(): Promise<void> {
    for (const [id, outcome] of unrecorded) {
      await markDm(deps.db, id, outcome.outcome, outcome.at, {
        messageId: outcome.messageId,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
      unrecorded.delete(id);
    }
  }

  /** Sends one row: by DM, or in its fallback channel when DMs are closed; null when closed and there is no fallback. */
  async function deliver(
    dm: DmRow,
    now: Date,
  ): Promise<{ outcome: "sent" | "fallback"; messageId: string; error?: string } | null> {
    const user = await deps.client.users.fetch(dm.userId);
    const channel = await user.createDM();
    const text = showMessage(dm.content);
    const uncertain = dm.status === "sending" && dm.lastAttemptAt !== null;
    if (uncertain && now.getTime() - dm.lastAttemptAt!.getTime() > NONCE_TRUST_MS) {
      // An earlier attempt may have landed and the nonce no longer protects us: look before sending again.
      const earlier = await findEarlier(channel.messages.fetch({ limit: 50 }), { ...dm, content: text });
      if (earlier) return { outcome: "sent", messageId: earlier.id };
    }
    try {
      // enforce_nonce makes Discord return the earlier message instead of a second one within its window.
      const message = await channel.send({
        content: text,
        allowedMentions: { parse: [] },
        nonce: nonceFor(dm.dedupeKey),
        enforceNonce: true,
      });
      return { outcome: "sent", messageId: message.id };
    } catch (err) {
      if (classifyDmError(err, now).kind !== "closed") throw err;
    }
    if (!dm.fallbackChannelId) return null;
    const fallback = await deps.client.channels.fetch(dm.fallbackChannelId);
    if (!fallback?.isSendable()) return null;
    // The one place the bot pings: the member asked for this news and their DMs are closed.
    const content = `<@${dm.userId}> ${text}`;
    if (uncertain && now.getTime() - dm.lastAttemptAt!.getTime() > NONCE_TRUST_MS) {
      const earlier = await findEarlier(fallback.messages.fetch({ limit: 50 }), { ...dm, content });
      if (earlier) return { outcome: "fallback", messageId: earlier.id, error: "DMs closed" };
    }
    const message = await fallback.send({
      content,
      allowedMentions: { users: [dm.userId] },
      nonce: nonceFor(`fallback:${dm.dedupeKey}`),
      enforceNonce: true,
    });
    return { outcome: "fallback", messageId: message.id, error: "DMs closed" };
  }

  /** The bot's own message with this text, sent since the row's first attempt (minutes of clock skew allowed). */
  async function findEarlier(
    recent: Promise<Map<string, Message>>,
    dm: Pick<DmRow, "content" | "firstAttemptAt">,
  ): Promise<Message | undefined> {
    const since = (dm.firstAttemptAt?.getTime() ?? 0) - 5 * 60_000;
    for (const message of (await recent).values()) {
      if (
        message.author.id === deps.client.user?.id &&
        message.content === dm.content &&
        message.createdTimestamp >= since
      )
        return message;
    }
    return undefined;
  }
}

/** Discord nonces are at most 25 characters. */
function nonceFor(key: string): string {
  return crypto.createHash("sha256").update(key).digest("base64url").slice(0, 25);
}
