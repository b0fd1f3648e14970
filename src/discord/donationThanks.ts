// Thank-you lines in DONATION_CHANNEL_ID: a job every few seconds posts what arrived since, coalesced into one
// message (a burst of a hundred donations is a few messages, not a hundred), the name only for public donors,
// never the message, never a ping. Lines are marked done after the post, under the job's lease (one process).
import type { Client } from "discord.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { markThanked, pendingThanks } from "../services/donations.js";
import { thankYouLine } from "./views/donations.js";

/** Discord's 2,000 characters, with room to spare. */
const MAX_MESSAGE = 1_900;

export function createThanksJob(deps: { db: Db; client: Client; log: Logger; channelId: string | undefined }) {
  return async function postThanks(): Promise<number> {
    if (!deps.channelId) return 0;
    const rows = await pendingThanks(deps.db, 40);
    if (!rows.length) return 0;
    const lines: string[] = [];
    const ids: number[] = [];
    for (const row of rows) {
      const line = thankYouLine(row);
      if (lines.join("\n").length + line.length + 1 > MAX_MESSAGE) break; // the rest at the next tick
      lines.push(line);
      ids.push(row.id);
    }
    const channel = await deps.client.channels.fetch(deps.channelId).catch(() => null);
    if (!channel?.isSendable()) {
      deps.log.warn(
        { channelId: deps.channelId },
        "DONATION_CHANNEL_ID is not a channel the bot can post in; thank-you lines wait",
      );
      return 0;
    }
    await channel.send({ content: lines.join("\n"), allowedMentions: { parse: [] } });
    await markThanked(deps.db, ids);
    return ids.length;
  };
}
