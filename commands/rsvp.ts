// /rsvp: answer an event (going with guests, maybe, can't go), see yours, reminders on or off; organizers
// list, export and remove answers. The announcement's buttons call the same service as the commands.
import { EmbedBuilder, SlashCommandBuilder, type Interaction } from "discord.js";
import { deferOnce } from "../src/discord/defer.js";
import { auditActor, memberDisplayName } from "../src/discord/members.js";
import { refreshAnnouncement } from "../src/discord/notices.js";
import { eventOption } from "../src/discord/options.js";
import { ForgedInput } from "../src/errors.js";
import { idArg, pageArg } from "../src/discord/ids.js";
import { parseSmallInt } from "../src/services/ids.js";
import { isOrganizer, requireOrganizer } from "../src/discord/permissions.js";
import type {
  BotContext,
  CommandModule,
  ComponentInteraction,
  ParsedCustomId,
  Response,
} from "../src/discord/types.js";
import { addToCalendarRow, guestsText, people, RSVP_PREFIX } from "../src/discord/views/announcement.js";
import { pagerRows } from "../src/discord/views/pager.js";
import { COLORS } from "../src/discord/views/palette.js";
import { showMemberText } from "../src/discord/views/text.js";
import { eventChoices, eventNumbers, requireEvent, resolveEvent, type Event } from "../src/services/events.js";
import { answerChoices, rsvpCsv, rsvpPage, type ListRow } from "../src/services/rsvpLists.js";
import {
  answerRsvp,
  myRsvps,
  removeRsvp,
  setReminders,
  type AnswerKind,
  type AnswerResult,
} from "../src/services/rsvps.js";
import { discordWhen } from "../src/services/time.js";
import { eventIcs, icsFileName } from "../src/services/ics.js";

const OPTIONAL_EVENT = "The event (start typing; left out: the next one)";

const data = new SlashCommandBuilder()
  .setName("rsvp")
  .setDescription("Answer an event: going (with guests), maybe, can't go")
  .addSubcommand((s) =>
    s
      .setName("going")
      .setDescription("You are going (guests count toward the seats)")
      .addStringOption(eventOption(OPTIONAL_EVENT))
      .addIntegerOption((o) =>
        o.setName("guests").setDescription("How many guests you bring (0 if just you)").setMinValue(0).setMaxValue(50),
      ),
  )
  .addSubcommand((s) =>
    s.setName("maybe").setDescription("You might come").addStringOption(eventOption(OPTIONAL_EVENT)),
  )
  .addSubcommand((s) =>
    s
      .setName("decline")
      .setDescription("You can't go (frees your seat for the waitlist)")
      .addStringOption(eventOption(OPTIONAL_EVENT)),
  )
  .addSubcommand((s) => s.setName("mine").setDescription("Your answers to upcoming events"))
  .addSubcommand((s) =>
    s
      .setName("reminders")
      .setDescription("Reminder DMs before events you are going to")
      .addStringOption((o) =>
        o
          .setName("state")
          .setDescription("on or off")
          .setRequired(true)
          .addChoices({ name: "on", value: "on" }, { name: "off", value: "off" }),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("list")
      .setDescription("Organizers: who is going, waiting, maybe")
      .addStringOption(eventOption(OPTIONAL_EVENT)),
  )
  .addSubcommand((s) =>
    s
      .setName("export")
      .setDescription("Organizers: every answer as a CSV file")
      .addStringOption(eventOption(OPTIONAL_EVENT)),
  )
  .addSubcommand((s) =>
    s
      .setName("remove")
      .setDescription("Organizers: remove a member's answer (someone who left)")
      .addStringOption(eventOption("The event", true))
      .addStringOption((o) =>
        o
          .setName("member")
          .setDescription("Whose answer (start typing a name)")
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(100),
      ),
  )
  .toJSON();

function answerText(r: AnswerResult): string {
  const e = r.event;
  const when = discordWhen(e.startsAt);
  const freed = r.promoted.length
    ? ` The seats you freed went to ${r.promoted.length === 1 ? "the next person" : `the next ${r.promoted.length} people`} on the waitlist.`
    : "";
  switch (r.status) {
    case "going":
      return `You are **going** to **${e.name}**${guestsText(r.guests)}, ${when}.${freed} I will remind you by DM before it starts (\`/rsvp reminders off\` to stop that).`;
    case "waitlisted":
      return `**${e.name}** is full, so you are on the **waitlist**${guestsText(r.guests)}: number ${r.position}. When a seat frees up for you, you are in at once and I will DM you.`;
    case "maybe":
      return `Marked as **maybe** for **${e.name}**, ${when}.${freed} Press Going when you know.`;
    case "declined":
      return `Got it: you **can't go** to **${e.name}**.${freed}`;
  }
}

/** The one path for an answer, from a command or a button: service call, announcement refresh, reply. */
async function answer(
  ctx: BotContext,
  interaction: Interaction,
  eventId: number,
  kind: AnswerKind,
  guests?: number | null,
): Promise<Response> {
  const result = await answerRsvp(ctx.db, {
    eventId,
    userId: interaction.user.id,
    displayName: memberDisplayName(interaction),
    answer: kind,
    guests,
    now: ctx.now(),
    maxGuests: ctx.config.RSVP_MAX_GUESTS,
  });
  refreshAnnouncement(ctx, eventId);
  if (result.promoted.length) ctx.wakeDmQueue();
  const withCalendar = result.status === "going" || result.status === "waitlisted" || result.status === "maybe";
  if (!withCalendar) return { content: answerText(result) };
  // A link to the event's .ics rather than the file itself: a multipart upload with every answer was a good
  // part of the bot's CPU per answer in the viral minute (issue 15). The link needs an address members can
  // open (PUBLIC_URL); without one, the file is attached as before.
  if (ctx.config.PUBLIC_URL)
    return {
      content: `${answerText(result)} Add it to your calendar with the button below.`,
      components: [addToCalendarRow(ctx.publicUrl(), eventId)],
    };
  return {
    content: `${answerText(result)} Add it to your calendar with the attached file.`,
    files: [{ attachment: Buffer.from(eventIcs(result.event, ctx.now())), name: icsFileName(result.event) }],
  };
}

function rowLine(r: ListRow): string {
  const name = showMemberText(r.displayName);
  const place = r.position !== null ? `${r.position}. ` : "";
  return `${place}${name}${r.guests ? ` (+${r.guests})` : ""}`;
}

const SECTION_TITLES: Record<string, string> = { going: "Going", waitlisted: "Waitlist", maybe: "Maybe" };

async function listPage(ctx: BotContext, event: Event, page: number) {
  const list = await rsvpPage(ctx.db, event.id, page);
  const counts = eventNumbers(event);
  const lines: string[] = [];
  let section = "";
  for (const r of list.rows) {
    if (r.status !== section) {
      lines.push(`${lines.length ? "\n" : ""}**${SECTION_TITLES[r.status]}**`);
      section = r.status;
    }
    lines.push(rowLine(r));
  }
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle(`Answers: ${event.name}`.slice(0, 256))
    .setDescription(lines.join("\n") || "Nobody has answered yet.")
    .setFooter({
      text: `Going: ${counts.going}${counts.capacity !== null ? ` of ${counts.capacity} seats` : ""} (guests included) · waitlist: ${counts.waitlisted} · maybe: ${counts.maybe} · page ${list.page + 1} of ${list.pages}`,
    });
  const pageId = (target: number) => `${RSVP_PREFIX}:page:${event.id}:${target}`;
  return {
    embeds: [embed],
    components: pagerRows({ page: list.page, hasNext: list.page + 1 < list.pages, customId: pageId }),
  };
}

async function mine(ctx: BotContext, userId: string): Promise<Response> {
  const answers = await myRsvps(ctx.db, userId, ctx.now());
  if (!answers.length)
    return { content: "You have not answered any upcoming event. See /event list, then /rsvp going." };
  const label = { going: "going", waitlisted: "on the waitlist", maybe: "maybe", declined: "can't go" } as const;
  const lines = answers.map((a) => {
    const place = a.position !== null ? ` (number ${a.position})` : "";
    return `**${a.event.name}** — ${discordWhen(a.event.startsAt)}: ${label[a.status]}${place}${guestsText(a.guests)}`;
  });
  return {
    embeds: [
      new EmbedBuilder()
        .setColor(COLORS.campaign)
        .setTitle("Your answers")
        .setDescription(lines.join("\n").slice(0, 4096)),
    ],
  };
}

function eventIdArg(id: ParsedCustomId): number {
  return idArg(id.args[0], "event");
}

const rsvp: CommandModule = {
  data,
  help: [
    {
      usage: "/rsvp going [event] [guests]",
      summary: "say you are going, with guests; the waitlist takes over when seats run out",
    },
    { usage: "/rsvp maybe [event] · /rsvp decline [event]", summary: "maybe, or can't go (frees your seat)" },
    { usage: "/rsvp mine", summary: "your answers and waitlist places" },
    { usage: "/rsvp reminders on|off", summary: "reminder DMs before events you are going to" },
    {
      usage: "/rsvp list [event] · /rsvp export [event]",
      summary: "who is going, waiting, maybe; the CSV file",
      organizer: true,
    },
    { usage: "/rsvp remove event member", summary: "remove a member's answer (someone who left)", organizer: true },
  ],
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const now = ctx.now();
    if (sub === "mine") return mine(ctx, interaction.user.id);
    if (sub === "reminders") {
      const on = interaction.options.getString("state", true) === "on";
      await setReminders(ctx.db, interaction.user.id, on, now);
      return {
        content: on
          ? "Reminders are on: I will DM you before events you are going to."
          : "Reminders are off. Turn them back on with `/rsvp reminders on`.",
      };
    }
    if (sub === "list" || sub === "export" || sub === "remove") requireOrganizer(interaction, ctx.config);
    const option = interaction.options.getString("event");
    if (sub === "going" || sub === "maybe" || sub === "decline") {
      // An id picked from autocomplete needs no read here: the answer's transaction reads the event (and
      // refuses one that is missing, cancelled or started) anyway.
      const id = option?.trim().match(/^\d{1,9}$/)
        ? Number(option.trim())
        : (await resolveEvent(ctx.db, option, now)).id;
      const kind = sub === "decline" ? "declined" : sub;
      return answer(ctx, interaction, id, kind, sub === "going" ? interaction.options.getInteger("guests") : undefined);
    }
    const event = await resolveEvent(ctx.db, option, now);
    switch (sub) {
      case "list":
        return listPage(ctx, event, 0);
      case "export": {
        // discord.js reads the whole stream before it sends the reply, and 100,000 answers take about a second:
        // acknowledge first, or the router's deferral timer is already cleared when the file is being written.
        await deferOnce(interaction);
        const stream = await rsvpCsv(ctx.db, event.id);
        return {
          content: `Every answer to **${event.name}**, as CSV.`,
          files: [{ attachment: stream, name: `rsvps-event-${event.id}.csv` }],
        };
      }
      case "remove": {
        const userId = interaction.options.getString("member", true);
        const r = await removeRsvp(ctx.db, { eventId: event.id, userId, now }, auditActor(interaction));
        refreshAnnouncement(ctx, event.id);
        if (r.promoted.length) ctx.wakeDmQueue();
        const moved = r.promoted.length
          ? ` ${people(r.promoted.length)} moved up from the waitlist and were told by DM.`
          : "";
        return { content: `Removed <@${userId}>'s answer (${r.removed}) to **${event.name}**.${moved}` };
      }
    }
    return { content: "Unknown subcommand. See /help." };
  },
  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === "member") {
      // Organizers only: the names of who answered are not for everyone.
      if (!isOrganizer(interaction, ctx.config)) return [];
      const event = await resolveEvent(ctx.db, interaction.options.getString("event"), ctx.now()).catch(() => null);
      return event ? answerChoices(ctx.db, event.id, String(focused.value)) : [];
    }
    return eventChoices(ctx.db, String(interaction.options.getFocused()), ctx.now(), ctx.config.CAMPAIGN_TIMEZONE);
  },
  components: {
    async [RSVP_PREFIX](interaction: ComponentInteraction, id: ParsedCustomId, ctx: BotContext): Promise<Response> {
      const eventId = eventIdArg(id);
      switch (id.action) {
        case "going":
          return answer(ctx, interaction, eventId, "going");
        case "maybe":
          return answer(ctx, interaction, eventId, "maybe");
        case "decline":
          return answer(ctx, interaction, eventId, "declined");
        case "guests": {
          // A value outside the menu ("51", "-1", "1.5") comes from a modified client: nothing we offered.
          const value = interaction.isStringSelectMenu()
            ? parseSmallInt(interaction.values[0], 0, ctx.config.RSVP_MAX_GUESTS)
            : null;
          if (value === null)
            throw new ForgedInput(
              `guests ${JSON.stringify(String(interaction.isStringSelectMenu() ? interaction.values[0] : "").slice(0, 20))}`,
            );
          return answer(ctx, interaction, eventId, "going", value);
        }
        case "page": {
          requireOrganizer(interaction, ctx.config);
          const event = await requireEvent(ctx.db, eventId);
          return { kind: "update", message: await listPage(ctx, event, pageArg(id.args[1])) };
        }
      }
      return { content: "This button is no longer active. Run the command again to get a fresh one." };
    },
  },
};

export default rsvp;
