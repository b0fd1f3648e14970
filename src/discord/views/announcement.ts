// An event's announcement: the event, its live counts, and the answer buttons. /event post creates it;
// every answer refreshes it (src/discord/notices.ts).
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ComponentType,
  EmbedBuilder,
  StringSelectMenuBuilder,
  type APIActionRowComponent,
  type APIButtonComponent,
  type JSONEncodable,
} from "discord.js";
import { eventNumbers, type Event } from "../../services/events.js";
import { discordTime, discordWhen } from "../../services/time.js";
import { COLORS } from "./palette.js";

/** customId prefix of the announcement's buttons and of /rsvp's own components. */
export const RSVP_PREFIX = "rsvp";

export const people = (count: number) => `${count} ${count === 1 ? "person" : "people"}`;
export const guestsText = (count: number) => (count ? ` with ${count} ${count === 1 ? "guest" : "guests"}` : "");

/** The announcement: the event, live counts, and the answer buttons (none once cancelled). */
export function announcement(event: Event, maxGuests: number) {
  const counts = eventNumbers(event);
  const cancelled = event.status === "cancelled";
  const embed = new EmbedBuilder()
    .setColor(cancelled ? COLORS.cancelled : COLORS.campaign)
    .setTitle(`${cancelled ? "[Cancelled] " : ""}${event.name}`.slice(0, 256))
    .addFields(
      {
        name: "When",
        value: `${discordWhen(event.startsAt)}${event.endsAt ? ` to ${discordTime(event.endsAt, "t")}` : ""}`,
      },
      ...(event.location ? [{ name: "Where", value: event.location }] : []),
      {
        name: "Going",
        value: counts.capacity === null ? people(counts.going) : `${counts.going} / ${counts.capacity} seats`,
        inline: true,
      },
      { name: "Maybe", value: String(counts.maybe), inline: true },
      ...(counts.capacity !== null ? [{ name: "Waitlist", value: people(counts.waitlisted), inline: true }] : []),
    )
    .setFooter({
      text: cancelled
        ? "This event is cancelled."
        : "Answer with the buttons, or /rsvp going (guests count toward the seats).",
    });
  if (event.description) embed.setDescription(event.description);
  if (cancelled) return { embeds: [embed], components: [] };
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`${RSVP_PREFIX}:going:${event.id}`).setLabel("Going").setStyle(ButtonStyle.Success),
    new ButtonBuilder()
      .setCustomId(`${RSVP_PREFIX}:maybe:${event.id}`)
      .setLabel("Maybe")
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(`${RSVP_PREFIX}:decline:${event.id}`)
      .setLabel("Can't go")
      .setStyle(ButtonStyle.Danger),
  );
  const components: ActionRowBuilder<ButtonBuilder | StringSelectMenuBuilder>[] = [buttons];
  if (maxGuests > 0) {
    const choices = Array.from({ length: Math.min(maxGuests, 24) + 1 }, (_, g) => ({
      label: g === 0 ? "Going, just me" : `Going with ${g} ${g === 1 ? "guest" : "guests"}`,
      value: String(g),
    }));
    const select = new StringSelectMenuBuilder()
      .setCustomId(`${RSVP_PREFIX}:guests:${event.id}`)
      .setPlaceholder("Bringing guests? Pick how many")
      .addOptions(choices);
    components.push(new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select));
  }
  return { embeds: [embed], components };
}

/**
 * Under an answer: a link to the event's own .ics file (GET /events/<id>.ics), the same file, UID and SEQUENCE
 * an attachment had, without uploading one with every answer. Built as JSON with toJSON(): discord.js sends a
 * JSON-encodable as it is, where a plain object would be re-cased key by key (its jsonTransformer).
 */
export function addToCalendarRow(
  publicUrl: string,
  eventId: number,
): JSONEncodable<APIActionRowComponent<APIButtonComponent>> {
  const row: APIActionRowComponent<APIButtonComponent> = {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: "Add to calendar",
        url: `${publicUrl}/events/${eventId}.ics`,
      },
    ],
  };
  return { toJSON: () => row };
}
