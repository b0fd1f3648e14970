// Discord I/O that is not the answer to an interaction: the announce channel's posts (milestones with
// their card, dry runs), the refresh of an event's announcement, the DJ review channel's posts and the
// notices to organizers there. All of it runs after the interaction's own answer, never on its hot path,
// and every send carries allowedMentions parse [], so nothing pings.
import crypto from "node:crypto";
import { AttachmentBuilder, EmbedBuilder, type Client } from "discord.js";
import type { Logger } from "../log.js";
import { getOffer, recordReviewMessage } from "../services/djs.js";
import { requireEvent } from "../services/events.js";
import type { BotContext } from "./types.js";
import { announcement } from "./views/announcement.js";
import { reviewMessage, type OfferView } from "./views/dj.js";
import { COLORS } from "./views/palette.js";
import type { AnnouncedPost, Announcer } from "../x/outbox.js";
import { weightedLength } from "../services/postText.js";

const CARD_FILE = "progress-card.png";

// ---- the announce channel's posts: each carries a nonce with enforce_nonce, so a retry after a crash
// returns the earlier message instead of a second one ----

export function createDiscordAnnouncer(client: Client, channelId: string | undefined, log: Logger): Announcer | null {
  if (!channelId) return null;

  async function send(post: AnnouncedPost, embed: EmbedBuilder): Promise<void> {
    const channel = await client.channels.fetch(channelId!);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    const file = new AttachmentBuilder(post.png, { name: CARD_FILE, description: post.alt.slice(0, 1024) });
    await channel.send({
      embeds: [embed.setImage(`attachment://${CARD_FILE}`)],
      files: [file],
      nonce: nonceFor(post.key),
      enforceNonce: true,
      allowedMentions: { parse: [] },
    });
    log.debug({ key: post.key }, "shown in the announce channel");
  }

  return {
    milestone: (post) =>
      send(
        post,
        new EmbedBuilder()
          .setColor(COLORS.campaign)
          .setTitle(post.headline ?? "Milestone reached")
          .setDescription(post.text),
      ),
    dryRun: (post) =>
      send(
        post,
        new EmbedBuilder()
          .setColor(COLORS.dryRun)
          .setTitle("Dry run: this would be posted on X now")
          .setDescription(post.text)
          .setFooter({
            text: `${weightedLength(post.text)}/280 weighted characters, with the card below. No X credentials are set, so nothing was posted.`,
          }),
      ),
  };
}

/** Discord nonces are at most 25 characters. */
function nonceFor(key: string): string {
  return crypto.createHash("sha256").update(`tweet:${key}`).digest("base64url").slice(0, 25);
}

// ---- an event's announcement ----

/** Edits the event's announcement to its current state (through ctx.refreshLater: bursts become one edit). */
export function refreshAnnouncement(ctx: BotContext, eventId: number): void {
  ctx.refreshLater(`event:${eventId}`, async () => {
    const event = await requireEvent(ctx.db, eventId);
    if (!event.announceChannelId || !event.announceMessageId) return;
    const channel = await ctx.client.channels.fetch(event.announceChannelId);
    if (!channel?.isTextBased()) return;
    const message = await channel.messages.fetch(event.announceMessageId);
    await message.edit({ ...announcement(event, ctx.config.RSVP_MAX_GUESTS), allowedMentions: { parse: [] } });
  });
}

// ---- the DJ review channel ----

/** Where offers go for review: DJ_REVIEW_CHANNEL_ID, else the announce channel. */
export function reviewChannelId(ctx: BotContext): string | undefined {
  return ctx.config.DJ_REVIEW_CHANNEL_ID ?? ctx.config.ANNOUNCE_CHANNEL_ID;
}

/** Posts a new offer with its buttons and records where, so later changes can edit that post. */
export async function postReview(ctx: BotContext, offer: OfferView): Promise<void> {
  const channelId = reviewChannelId(ctx);
  if (!channelId) return;
  try {
    const channel = await ctx.client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    const message = await channel.send({
      content: "A DJ offered a set:",
      ...reviewMessage(offer),
      allowedMentions: { parse: [] },
    });
    await recordReviewMessage(ctx.db, offer.id, channelId, message.id);
  } catch (err) {
    ctx.log.warn(
      { err, offer: offer.id },
      "could not post a DJ offer for review; organizers can find it with /dj review",
    );
  }
}

/** Shows an offer's current state on its review post (coalesced: a burst of changes is one edit). */
export function refreshReviewPost(ctx: BotContext, offerId: number): void {
  ctx.refreshLater(`dj-review:${offerId}`, async () => {
    const offer = await getOffer(ctx.db, offerId);
    if (!offer?.reviewChannelId || !offer.reviewMessageId) return;
    const channel = await ctx.client.channels.fetch(offer.reviewChannelId);
    if (!channel?.isTextBased()) return;
    await channel.messages.edit(offer.reviewMessageId, { ...reviewMessage(offer), allowedMentions: { parse: [] } });
  });
}

/** Tells the organizers, in the review channel, that a DJ withdrew. */
export async function notifyOrganizers(ctx: BotContext, text: string): Promise<void> {
  const channelId = reviewChannelId(ctx);
  if (!channelId) return;
  try {
    const channel = await ctx.client.channels.fetch(channelId);
    if (channel?.isSendable()) await channel.send({ content: text, allowedMentions: { parse: [] } });
  } catch (err) {
    ctx.log.warn({ err }, "could not tell the organizers in the review channel");
  }
}
