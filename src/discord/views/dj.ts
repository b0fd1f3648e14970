// How DJ offers, the lineup and track queues look on Discord. Every piece of member text (DJ names,
// genres, notes, titles, artists, stages) goes through `safe`: markdown escaped and length-bounded, so a
// title cannot restyle a list; every send carries allowedMentions parse [], so nothing pings.
// The review-channel posts live here too: they are Discord calls, kept out of the command's handlers.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  escapeMarkdown,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIEmbedField,
} from "discord.js";
import { getOffer, OFFER_LIMITS, recordReviewMessage } from "../../services/djs.js";
import { isPlaying, type LineupSet } from "../../services/lineup.js";
import { discordTime, plainTime } from "../../services/time.js";
import { QUEUE_PAGE_SIZE } from "../../services/trackRequests.js";
import type { BotContext } from "../types.js";

export const DJ_COLOR = 0xe9407a;
/** customId prefixes of this feature: the offer form, the review buttons, the queue's buttons. */
export const PREFIX = { offer: "djoffer", review: "djreview", queue: "djqueue" } as const;

/** Member text made safe to show: markdown escaped, cut to `max` characters. */
export function safe(text: string, max = 100): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return escapeMarkdown(cut);
}

export function offerModal(): ModalBuilder {
  const input = (id: string, label: string, style: TextInputStyle, max: number, required: boolean, placeholder: string) =>
    new ActionRowBuilder<TextInputBuilder>().addComponents(
      new TextInputBuilder().setCustomId(id).setLabel(label).setStyle(style).setMaxLength(max).setRequired(required).setPlaceholder(placeholder),
    );
  return new ModalBuilder()
    .setCustomId(`${PREFIX.offer}:submit`)
    .setTitle("Offer a DJ set")
    .addComponents(
      input("djName", "DJ name (as the lineup should show it)", TextInputStyle.Short, OFFER_LIMITS.djName, true, "DJ Lumen"),
      input("genres", "Genres", TextInputStyle.Short, OFFER_LIMITS.genres, true, "disco, house, funk"),
      input("minutes", "Set length in minutes", TextInputStyle.Short, 3, true, "90"),
      input("links", "Links to your mixes (https://, up to 3)", TextInputStyle.Paragraph, OFFER_LIMITS.links, false, "https://soundcloud.com/..."),
      input("note", "A note for the organizers", TextInputStyle.Paragraph, OFFER_LIMITS.note, false, "Anything they should know"),
    );
}

interface OfferView {
  id: number;
  userId: string;
  djName: string;
  genres: string;
  minutes: number;
  links: string;
  note: string;
  status: string;
  reviewedBy: string | null;
}

const STATUS_LINE: Record<string, string> = {
  pending: "Waiting for an organizer's decision.",
  approved: "Approved",
  declined: "Declined",
  withdrawn: "Withdrawn by the DJ.",
};

/** The review post: the offer, and Approve/Decline while it is pending. */
export function reviewMessage(offer: OfferView) {
  const fields: APIEmbedField[] = [
    { name: "Offered by", value: `<@${offer.userId}>`, inline: true },
    { name: "Set length", value: `${offer.minutes} minutes`, inline: true },
    { name: "Genres", value: safe(offer.genres, 200), inline: false },
  ];
  // Links are shown as code, not as clickable markdown: an organizer copies what the DJ typed, as typed.
  const links = offer.links.split("\n").filter(Boolean);
  if (links.length) fields.push({ name: "Links", value: links.map((l) => `\`${l.replace(/`/g, "'")}\``).join("\n").slice(0, 1024) });
  if (offer.note) fields.push({ name: "Note", value: safe(offer.note, 1000) });
  const decided = offer.reviewedBy && offer.status !== "withdrawn" ? ` by <@${offer.reviewedBy}>` : "";
  fields.push({ name: "Status", value: `${STATUS_LINE[offer.status] ?? offer.status}${offer.status === "pending" ? "" : decided}` });
  const embed = new EmbedBuilder()
    .setTitle(`DJ offer: ${safe(offer.djName, 80)}`)
    .setColor(offer.status === "approved" ? 0x2ecc71 : offer.status === "pending" ? DJ_COLOR : 0x95a5a6)
    .addFields(fields);
  const components =
    offer.status === "pending"
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder().setCustomId(`${PREFIX.review}:approve:${offer.id}`).setLabel("Approve").setStyle(ButtonStyle.Success),
            new ButtonBuilder().setCustomId(`${PREFIX.review}:decline:${offer.id}`).setLabel("Decline").setStyle(ButtonStyle.Danger),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/** One line of the lineup: times as Discord timestamps, the set playing now marked. */
function lineupLine(set: LineupSet, now: Date): string {
  const playing = isPlaying(set, now) ? "▶ **Playing now** · " : "";
  return `${playing}${discordTime(set.startsAt, "t")}–${discordTime(set.endsAt, "t")} · **${safe(set.offer.djName, 60)}** · ${safe(set.stage, 40)} · ${safe(set.offer.genres, 60)}`;
}

/** The public lineup, grouped by day (in the campaign's zone); long lineups are cut with a hint. */
export function lineupEmbed(sets: LineupSet[], now: Date, timeZone: string, dayText?: string) {
  const embed = new EmbedBuilder().setTitle(dayText ? `Lineup: ${safe(dayText, 40)}` : "Lineup").setColor(DJ_COLOR);
  if (sets.length === 0) {
    return embed.setDescription(dayText ? "No sets that day yet." : "No sets announced yet. DJs can offer one with /dj offer.");
  }
  const lines: string[] = [];
  let day = "";
  for (const set of sets) {
    const thisDay = plainTime(set.startsAt, timeZone).slice(0, 10);
    if (thisDay !== day) {
      day = thisDay;
      lines.push(`\n__${discordTime(set.startsAt, "D")}__`);
    }
    lines.push(lineupLine(set, now));
  }
  let text = "";
  let shown = 0;
  for (const line of lines) {
    if (text.length + line.length > 3800) break;
    text += `${line}\n`;
    shown++;
  }
  const hidden = lines.length - shown;
  if (hidden > 0) text += `\n…and more: pick a day with \`/dj lineup show day\`.`;
  return embed.setDescription(text.trim()).setFooter({ text: "Times show in your own time zone." });
}

interface QueueItem {
  id: number;
  title: string;
  artist: string;
  votes: number;
}

interface QueueSet {
  id: number;
  stage: string;
  startsAt: Date;
  endsAt: Date;
  offer: { djName: string };
}

/** A page of the queue: an embed, an Upvote button per track (two rows of five), and paging. */
export function queueView(set: QueueSet, page: { items: QueueItem[]; total: number; page: number; pages: number }, now: Date) {
  const start = page.page * QUEUE_PAGE_SIZE;
  const lines = page.items.map((r, i) => `**${start + i + 1}.** ${safe(r.title, 80)} — ${safe(r.artist, 60)} · ${r.votes} vote${r.votes === 1 ? "" : "s"}`);
  const when = isPlaying(set, now) ? "playing now" : `${discordTime(set.startsAt, "f")} to ${discordTime(set.endsAt, "t")}`;
  const embed = new EmbedBuilder()
    .setTitle(`Requests for ${safe(set.offer.djName, 60)}`)
    .setColor(DJ_COLOR)
    .setDescription(`${safe(set.stage, 40)}, ${when}\n\n${lines.join("\n") || "No requests yet. Be the first: `/dj request`."}`)
    .setFooter({ text: `${page.total} track${page.total === 1 ? "" : "s"} queued · page ${page.page + 1} of ${page.pages} · press a number to upvote, again to take it back` });
  const buttons = page.items.map((r, i) =>
    new ButtonBuilder()
      .setCustomId(`${PREFIX.queue}:vote:${r.id}:${page.page}`)
      .setLabel(`▲ ${start + i + 1}`)
      .setStyle(ButtonStyle.Secondary),
  );
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (let i = 0; i < buttons.length; i += 5) rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons.slice(i, i + 5)));
  rows.push(
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId(`${PREFIX.queue}:page:${set.id}:${page.page - 1}`).setLabel("Previous").setStyle(ButtonStyle.Secondary).setDisabled(page.page === 0),
      new ButtonBuilder().setCustomId(`${PREFIX.queue}:page:${set.id}:${page.page}`).setLabel("Refresh").setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId(`${PREFIX.queue}:page:${set.id}:${page.page + 1}`).setLabel("Next").setStyle(ButtonStyle.Secondary).setDisabled(page.page >= page.pages - 1),
    ),
  );
  return { embeds: [embed], components: rows };
}

/** "Lumen · Main stage · Dec 5 20:00" for autocomplete (plain text: choices do not render markdown). */
export function setChoiceName(set: QueueSet, timeZone: string, now: Date): string {
  const label = `${set.offer.djName} · ${set.stage} · ${isPlaying(set, now) ? "playing now" : plainTime(set.startsAt, timeZone)}`;
  return label.length > 100 ? `${label.slice(0, 99)}…` : label;
}

// ---- posts in the review channel (after the interaction's own answer: never on its hot path) ----

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
    const message = await channel.send({ content: "A DJ offered a set:", ...reviewMessage(offer), allowedMentions: { parse: [] } });
    await recordReviewMessage(ctx.db, offer.id, channelId, message.id);
  } catch (err) {
    ctx.log.warn({ err, offer: offer.id }, "could not post a DJ offer for review; organizers can find it with /dj review");
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
