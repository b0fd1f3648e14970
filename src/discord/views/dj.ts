// How DJ offers, the lineup and track queues look on Discord. Every piece of member text (DJ names,
// genres, notes, titles, artists, stages) goes through showMemberText: cut to a length, then escaped by
// the one escaper, so a title cannot restyle a list. The review-channel posts are in ../notices.ts.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type APIEmbedField,
} from "discord.js";
import { OFFER_LIMITS } from "../../services/djs.js";
import { isPlaying, type LineupSet } from "../../services/lineup.js";
import { discordTime, plainTime } from "../../services/time.js";
import { QUEUE_PAGE_SIZE } from "../../services/trackRequests.js";
import { pagerRow } from "./pager.js";
import { COLORS } from "./palette.js";
import { showMemberText } from "./text.js";

/** customId prefixes of this feature: the offer form, the review buttons, the queue's buttons. */
export const DJ_PREFIXES = { offer: "djoffer", review: "djreview", queue: "djqueue" } as const;

export function offerModal(): ModalBuilder {
  const input = (
    id: string,
    label: string,
    style: TextInputStyle,
    max: number,
    required: boolean,
    placeholder: string,
  ) =>
    new ActionRowBuilder<TextInputBuilder>().addComponents(
      new TextInputBuilder()
        .setCustomId(id)
        .setLabel(label)
        .setStyle(style)
        .setMaxLength(max)
        .setRequired(required)
        .setPlaceholder(placeholder),
    );
  return new ModalBuilder()
    .setCustomId(`${DJ_PREFIXES.offer}:submit`)
    .setTitle("Offer a DJ set")
    .addComponents(
      input(
        "djName",
        "DJ name (as the lineup should show it)",
        TextInputStyle.Short,
        OFFER_LIMITS.djName,
        true,
        "DJ Lumen",
      ),
      input("genres", "Genres", TextInputStyle.Short, OFFER_LIMITS.genres, true, "disco, house, funk"),
      input("minutes", "Set length in minutes", TextInputStyle.Short, 3, true, "90"),
      input(
        "links",
        "Links to your mixes (https://, up to 3)",
        TextInputStyle.Paragraph,
        OFFER_LIMITS.links,
        false,
        "https://soundcloud.com/...",
      ),
      input(
        "note",
        "A note for the organizers",
        TextInputStyle.Paragraph,
        OFFER_LIMITS.note,
        false,
        "Anything they should know",
      ),
    );
}

export interface OfferView {
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
    { name: "Genres", value: showMemberText(offer.genres, 200), inline: false },
  ];
  // Links are shown as code, not as clickable markdown: an organizer copies what the DJ typed, as typed.
  const links = offer.links.split("\n").filter(Boolean);
  if (links.length)
    fields.push({
      name: "Links",
      value: links
        .map((l) => `\`${l.replace(/`/g, "'")}\``)
        .join("\n")
        .slice(0, 1024),
    });
  if (offer.note) fields.push({ name: "Note", value: showMemberText(offer.note, 1000) });
  const decided = offer.reviewedBy && offer.status !== "withdrawn" ? ` by <@${offer.reviewedBy}>` : "";
  fields.push({
    name: "Status",
    value: `${STATUS_LINE[offer.status] ?? offer.status}${offer.status === "pending" ? "" : decided}`,
  });
  const embed = new EmbedBuilder()
    .setTitle(`DJ offer: ${showMemberText(offer.djName, 80)}`)
    .setColor(
      offer.status === "approved" ? COLORS.approved : offer.status === "pending" ? COLORS.campaign : COLORS.closed,
    )
    .addFields(fields);
  const components =
    offer.status === "pending"
      ? [
          new ActionRowBuilder<ButtonBuilder>().addComponents(
            new ButtonBuilder()
              .setCustomId(`${DJ_PREFIXES.review}:approve:${offer.id}`)
              .setLabel("Approve")
              .setStyle(ButtonStyle.Success),
            new ButtonBuilder()
              .setCustomId(`${DJ_PREFIXES.review}:decline:${offer.id}`)
              .setLabel("Decline")
              .setStyle(ButtonStyle.Danger),
          ),
        ]
      : [];
  return { embeds: [embed], components };
}

/** One line of the lineup: times as Discord timestamps, the set playing now marked. */
function lineupLine(set: LineupSet, now: Date): string {
  const playing = isPlaying(set, now) ? "▶ **Playing now** · " : "";
  return `${playing}${discordTime(set.startsAt, "t")}–${discordTime(set.endsAt, "t")} · **${showMemberText(set.offer.djName, 60)}** · ${showMemberText(set.stage, 40)} · ${showMemberText(set.offer.genres, 60)}`;
}

/** The public lineup, grouped by day (in the campaign's zone); long lineups are cut with a hint. */
export function lineupEmbed(sets: LineupSet[], now: Date, timeZone: string, dayText?: string) {
  const embed = new EmbedBuilder()
    .setTitle(dayText ? `Lineup: ${showMemberText(dayText, 40)}` : "Lineup")
    .setColor(COLORS.campaign);
  if (sets.length === 0) {
    return embed.setDescription(
      dayText ? "No sets that day yet." : "No sets announced yet. DJs can offer one with /dj offer.",
    );
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
export function queueView(
  set: QueueSet,
  page: { items: QueueItem[]; total: number; page: number; pages: number },
  now: Date,
) {
  const start = page.page * QUEUE_PAGE_SIZE;
  const lines = page.items.map(
    (r, i) =>
      `**${start + i + 1}.** ${showMemberText(r.title, 80)} — ${showMemberText(r.artist, 60)} · ${r.votes} vote${r.votes === 1 ? "" : "s"}`,
  );
  const when = isPlaying(set, now)
    ? "playing now"
    : `${discordTime(set.startsAt, "f")} to ${discordTime(set.endsAt, "t")}`;
  const embed = new EmbedBuilder()
    .setTitle(`Requests for ${showMemberText(set.offer.djName, 60)}`)
    .setColor(COLORS.campaign)
    .setDescription(
      `${showMemberText(set.stage, 40)}, ${when}\n\n${lines.join("\n") || "No requests yet. Be the first: `/dj request`."}`,
    )
    .setFooter({
      text: `${page.total} track${page.total === 1 ? "" : "s"} queued · page ${page.page + 1} of ${page.pages} · press a number to upvote, again to take it back`,
    });
  const buttons = page.items.map((r, i) =>
    new ButtonBuilder()
      .setCustomId(`${DJ_PREFIXES.queue}:vote:${r.id}:${page.page}`)
      .setLabel(`▲ ${start + i + 1}`)
      .setStyle(ButtonStyle.Secondary),
  );
  const rows: ActionRowBuilder<ButtonBuilder>[] = [];
  for (let i = 0; i < buttons.length; i += 5)
    rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(buttons.slice(i, i + 5)));
  const pageId = (target: number) => `${DJ_PREFIXES.queue}:page:${set.id}:${target}`;
  rows.push(pagerRow({ page: page.page, hasNext: page.page < page.pages - 1, customId: pageId, refresh: true }));
  return { embeds: [embed], components: rows };
}

/** "Lumen · Main stage · Dec 5 20:00" for autocomplete (plain text: choices do not render markdown). */
export function setChoiceName(set: QueueSet, timeZone: string, now: Date): string {
  const label = `${set.offer.djName} · ${set.stage} · ${isPlaying(set, now) ? "playing now" : plainTime(set.startsAt, timeZone)}`;
  return label.length > 100 ? `${label.slice(0, 99)}…` : label;
}
