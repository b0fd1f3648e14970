// Sends the DM outbox (src/services/directMessages.ts) at a steady pace, one job across all processes.
// Discord answers a burst of DMs with rate limits and, worse, flags the bot as spam: so never all at once.
import { DiscordAPIError, RESTJSONErrorCodes, type Client } from "discord.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { dueDms, markDm, retryDmLater } from "../services/directMessages.js";
import { showMessage } from "./views/text.js";
import crypto from "node:crypto";

/** DMs per second, well under what Discord tolerates from one bot. */
export const DM_PER_SECOND = 5;

export function createDmSender(deps: { db: Db; client: Client; log: Logger; perSecond?: number }) {
  const perSecond = deps.perSecond ?? DM_PER_SECOND;

  /** Sends what is due, at most `perSecond` a second, for at most `budgetMs`. Returns how many went out. */
  return async function flushDms(now: Date, budgetMs = 10_000): Promise<number> {
    const batch = await dueDms(deps.db, now, Math.max(1, Math.floor((perSecond * budgetMs) / 1000)));
    let sent = 0;
    for (const dm of batch) {
      const started = Date.now();
      try {
        const user = await deps.client.users.fetch(dm.userId);
        // enforce_nonce makes Discord return the earlier message instead of a second one if we crashed
        // after sending but before marking the row: a retry cannot deliver twice.
        await user.send({ content: showMessage(dm.content), allowedMentions: { parse: [] }, nonce: nonceFor(dm.dedupeKey), enforceNonce: true });
        await markDm(deps.db, dm.id, "sent", now);
        sent++;
      } catch (err) {
        await handleFailure(dm, err, now);
      }
      const pause = 1000 / perSecond - (Date.now() - started);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
    return sent;
  };

  async function handleFailure(dm: { id: number; userId: string; content: string; attempts: number; fallbackChannelId: string | null }, err: unknown, now: Date) {
    const closed = err instanceof DiscordAPIError && (err.code === RESTJSONErrorCodes.CannotSendMessagesToThisUser || err.code === RESTJSONErrorCodes.UnknownUser);
    if (!closed) {
      deps.log.warn({ err, dm: dm.id }, "DM failed; will retry");
      await retryDmLater(deps.db, dm.id, dm.attempts, now, String((err as Error).message ?? err));
      return;
    }
    if (!dm.fallbackChannelId) {
      await markDm(deps.db, dm.id, "failed", now, "DMs closed");
      return;
    }
    try {
      const channel = await deps.client.channels.fetch(dm.fallbackChannelId);
      if (!channel?.isSendable()) throw new Error(`channel ${dm.fallbackChannelId} cannot take messages`);
      // The one place the bot pings: the member asked for this news and their DMs are closed.
      await channel.send({ content: `<@${dm.userId}> ${showMessage(dm.content)}`, allowedMentions: { users: [dm.userId] } });
      await markDm(deps.db, dm.id, "fallback", now, "DMs closed");
    } catch (fallbackErr) {
      deps.log.warn({ err: fallbackErr, dm: dm.id }, "DM fallback failed");
      await markDm(deps.db, dm.id, "failed", now, "DMs closed; fallback failed");
    }
  }
}

/** Discord nonces are at most 25 characters. */
function nonceFor(key: string): string {
  return crypto.createHash("sha256").update(key).digest("base64url").slice(0, 25);
}
