// /event: organizers create, edit, cancel and announce events (kept in step with a Discord scheduled event
// when the bot may manage events); everyone lists what is coming up. The rules live in src/services/events.ts.
import {
  ChannelType,
  EmbedBuilder,
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
} from "discord.js";
import { UserError } from "../src/errors.js";
import { pageArg } from "../src/discord/ids.js";
import { auditActor } from "../src/discord/members.js";
import { requireOrganizer } from "../src/discord/permissions.js";
import { refreshAnnouncement } from "../src/discord/notices.js";
import { eventOption } from "../src/discord/options.js";
import type { BotContext, CommandModule, Response } from "../src/discord/types.js";
import { announcement } from "../src/discord/views/announcement.js";
import { pagerRows } from "../src/discord/views/pager.js";
import { COLORS } from "../src/discord/views/palette.js";
import {
  cancelEvent,
  createEvent,
  DESCRIPTION_MAX,
  editEvent,
  effectiveEnd,
  eventChoices,
  eventNumbers,
  LOCATION_MAX,
  NAME_MAX,
  resolveEvent,
  setAnnouncement,
  setDiscordEventId,
  upcomingEvents,
  type Event,
} from "../src/services/events.js";
import { discordTime, discordWhen, TIME_EXAMPLES } from "../src/services/time.js";

const EVENT_PREFIX = "event";
const LIST_PAGE = 10;

const data = new SlashCommandBuilder()
  .setName("event")
  .setDescription("Events: create, edit, cancel, announce (organizers); list upcoming ones")
  .addSubcommand((s) =>
    s
      .setName("create")
      .setDescription("Organizers: create an event")
      .addStringOption((o) =>
        o.setName("name").setDescription("What it is called").setRequired(true).setMaxLength(NAME_MAX),
      )
      .addStringOption((o) =>
        o
          .setName("starts")
          .setDescription("When it starts, e.g. 2026-12-05 20:00 or next friday 8pm")
          .setRequired(true)
          .setMaxLength(100),
      )
      .addStringOption((o) => o.setName("ends").setDescription("When it ends (optional)").setMaxLength(100))
      .addStringOption((o) => o.setName("location").setDescription("Where").setMaxLength(LOCATION_MAX))
      .addIntegerOption((o) =>
        o
          .setName("capacity")
          .setDescription("Seats, guests included (left out: no limit)")
          .setMinValue(1)
          .setMaxValue(100_000),
      )
      .addStringOption((o) =>
        o.setName("description").setDescription("A few words about it").setMaxLength(DESCRIPTION_MAX),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("edit")
      .setDescription("Organizers: change an event (only what you give)")
      .addStringOption(eventOption("The event to change", true))
      .addStringOption((o) => o.setName("name").setDescription("New name").setMaxLength(NAME_MAX))
      .addStringOption((o) => o.setName("starts").setDescription("New start").setMaxLength(100))
      .addStringOption((o) => o.setName("ends").setDescription("New end").setMaxLength(100))
      .addStringOption((o) => o.setName("location").setDescription("New place").setMaxLength(LOCATION_MAX))
      .addIntegerOption((o) =>
        o
          .setName("capacity")
          .setDescription("New number of seats (a larger one promotes the waitlist)")
          .setMinValue(1)
          .setMaxValue(100_000),
      )
      .addStringOption((o) => o.setName("description").setDescription("New description").setMaxLength(DESCRIPTION_MAX)),
  )
  .addSubcommand((s) =>
    s
      .setName("cancel")
      .setDescription("Organizers: cancel an event (everyone who answered is told)")
      .addStringOption(eventOption("The event to cancel", true))
      .addStringOption((o) =>
        o.setName("reason").setDescription("Why, in a few words (sent to those who answered)").setMaxLength(200),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("post")
      .setDescription("Organizers: post an announcement with Going / Maybe / Can't go buttons")
      .addStringOption(eventOption("The event (left out: the next one)"))
      .addChannelOption((o) =>
        o
          .setName("channel")
          .setDescription("Where (left out: the announcements channel)")
          .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
      ),
  )
  .addSubcommand((s) => s.setName("list").setDescription("Upcoming events"))
  .toJSON();

type SyncAction = "create" | "edit" | "delete";

/**
 * Keeps the Discord scheduled event in step. Never fails the command: a missing permission or an API
 * error is logged and returned as a sentence for the organizer.
 */
async function syncDiscordEvent(
  ctx: BotContext,
  interaction: ChatInputCommandInteraction,
  event: Event,
  action: SyncAction,
): Promise<string> {
  if (action !== "create" && !event.discordEventId) return "";
  if (!interaction.guildId) return "";
  if (!interaction.appPermissions?.has(PermissionFlagsBits.ManageEvents)) {
    return action === "create"
      ? "\nNo Discord event was created: I do not have the Manage Events permission here."
      : "\nI could not update the Discord event: I no longer have the Manage Events permission.";
  }
  try {
    const guild = await ctx.client.guilds.fetch(interaction.guildId);
    if (action === "delete") {
      await guild.scheduledEvents.delete(event.discordEventId!);
      await setDiscordEventId(ctx.db, event.id, null);
      return "\nThe Discord event was removed.";
    }
    const fields = {
      name: event.name,
      scheduledStartTime: event.startsAt,
      scheduledEndTime: effectiveEnd(event),
      privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
      entityType: GuildScheduledEventEntityType.External,
      entityMetadata: { location: event.location ?? "See the announcement" },
      description: event.description ?? undefined,
    } as const;
    if (action === "edit") {
      await guild.scheduledEvents.edit(event.discordEventId!, fields);
      return "\nThe Discord event was updated too.";
    }
    const created = await guild.scheduledEvents.create(fields);
    await setDiscordEventId(ctx.db, event.id, created.id);
    return "\nA Discord event was created too, so members see it in the server's event list.";
  } catch (err) {
    ctx.log.warn({ err, event: event.id, action }, "could not sync the Discord scheduled event");
    return `\nThe event is saved, but I could not ${action} the Discord event (Discord refused); its listing may be out of date.`;
  }
}

function summary(event: Event): string {
  const counts = eventNumbers(event);
  const ends = event.endsAt ? `, ends ${discordTime(event.endsAt, "F")}` : "";
  const where = event.location ? `\nWhere: ${event.location}` : "";
  const seats = counts.capacity === null ? "no seat limit" : `${counts.capacity} seats (guests included)`;
  return `**${event.name}** starts ${discordWhen(event.startsAt)}${ends}.${where}\nCapacity: ${seats}.`;
}

async function listPage(ctx: BotContext, page: number) {
  // Upcoming events are few; read one more page than shown to know whether there is a next one.
  const events = await upcomingEvents(ctx.db, ctx.now(), (page + 1) * LIST_PAGE + 1);
  const shown = events.slice(page * LIST_PAGE, (page + 1) * LIST_PAGE);
  const lines = shown.map((e) => {
    const counts = eventNumbers(e);
    const seats =
      counts.capacity === null
        ? `${counts.going} going`
        : `${counts.going}/${counts.capacity} going${counts.waitlisted ? `, ${counts.waitlisted} waiting` : ""}`;
    return `**${e.name}** — ${discordWhen(e.startsAt)}${e.location ? ` · ${e.location}` : ""} · ${seats}`;
  });
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle("Upcoming events")
    .setDescription(
      lines.join("\n").slice(0, 4096) || "Nothing is planned yet. Organizers create events with /event create.",
    )
    .setFooter({ text: "Answer with /rsvp going, maybe or decline (pick the event as you type)." });
  const hasNext = events.length > (page + 1) * LIST_PAGE;
  return {
    embeds: [embed],
    components: pagerRows({ page, hasNext, customId: (target) => `${EVENT_PREFIX}:list:${target}` }),
  };
}

async function post(ctx: BotContext, interaction: ChatInputCommandInteraction, event: Event): Promise<Response> {
  if (event.status === "cancelled")
    throw new UserError(`**${event.name}** is cancelled; there is nothing to announce.`, "conflict");
  const channelId =
    interaction.options.getChannel("channel")?.id ?? ctx.config.ANNOUNCE_CHANNEL_ID ?? interaction.channelId;
  const channel = await ctx.client.channels.fetch(channelId).catch(() => null);
  if (!channel?.isSendable())
    throw new UserError(`I cannot post in <#${channelId}>. Pick another channel, or give me Send Messages there.`);
  // The router may run this handler again after a write conflict (see CommandModule in src/discord/types.ts).
  // The nonce, the interaction's own id, makes a second run get Discord's earlier message back instead of
  // posting again; recording it is then the same write twice.
  const send = {
    ...announcement(event, ctx.config.RSVP_MAX_GUESTS),
    allowedMentions: { parse: [] },
    nonce: interaction.id,
    enforceNonce: true,
  };
  const message = await channel.send(send).catch((err: unknown) => {
    ctx.log.warn({ err, channelId }, "could not post an event announcement");
    throw new UserError(
      `I cannot post in <#${channelId}>. Pick another channel, or give me Send Messages and Embed Links there.`,
    );
  });
  await setAnnouncement(ctx.db, event.id, channelId, message.id);
  return { content: `Announced **${event.name}** in <#${channelId}>. Its counts update as members answer.` };
}

const eventCommand: CommandModule = {
  data,
  help: [
    { usage: "/event list", summary: "upcoming events and their seats" },
    {
      usage: "/event create name starts [ends] [location] [capacity] [description]",
      summary: "create an event",
      organizer: true,
    },
    {
      usage: "/event edit event [...]",
      summary: "change an event; a larger capacity promotes the waitlist",
      organizer: true,
    },
    { usage: "/event cancel event [reason]", summary: "cancel; everyone who answered is told", organizer: true },
    {
      usage: "/event post [event] [channel]",
      summary: "announce with Going / Maybe / Can't go buttons and live counts",
      organizer: true,
    },
  ],
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === "list") return listPage(ctx, 0);
    requireOrganizer(interaction, ctx.config);
    const now = ctx.now();
    const o = interaction.options;
    const settings = { timeZone: ctx.config.CAMPAIGN_TIMEZONE, reminderHours: ctx.config.RSVP_REMINDER_HOURS };
    if (sub === "create") {
      const event = await createEvent(
        ctx.db,
        {
          name: o.getString("name", true),
          starts: o.getString("starts", true),
          ends: o.getString("ends"),
          location: o.getString("location"),
          capacity: o.getInteger("capacity"),
          description: o.getString("description"),
          createdBy: interaction.user.id,
          now,
        },
        settings,
        auditActor(interaction),
      );
      const synced = await syncDiscordEvent(ctx, interaction, event, "create");
      return {
        content: `Created ${summary(event)}${synced}\nIf the time is not what you meant, fix it with \`/event edit\` (times are read in ${ctx.config.CAMPAIGN_TIMEZONE}, e.g. ${TIME_EXAMPLES}). Announce it with \`/event post\`.`,
      };
    }
    const event = await resolveEvent(ctx.db, o.getString("event"), now);
    if (sub === "post") return post(ctx, interaction, event);
    if (sub === "edit") {
      const r = await editEvent(
        ctx.db,
        event.id,
        {
          name: o.getString("name"),
          starts: o.getString("starts"),
          ends: o.getString("ends"),
          location: o.getString("location"),
          capacity: o.getInteger("capacity"),
          description: o.getString("description"),
          now,
        },
        settings,
        auditActor(interaction),
      );
      refreshAnnouncement(ctx, event.id);
      ctx.wakeDmQueue();
      const over = r.overCapacity
        ? `\n${r.event.seatsTaken} seats are taken, ${r.overCapacity} more than the new capacity: those members keep their seats, and new answers go to the waitlist until seats free up.`
        : "";
      const promoted = r.promoted.length
        ? `\n${r.promoted.length} moved up from the waitlist and were told by DM.`
        : "";
      const moved = r.changed.includes("start") ? "\nEveryone who answered is told of the new time by DM." : "";
      const synced = await syncDiscordEvent(ctx, interaction, r.event, "edit");
      return {
        content: `Changed ${r.changed.join(", ")}. Now: ${summary(r.event)}${over}${promoted}${moved}${synced}`,
      };
    }
    if (sub === "cancel") {
      const r = await cancelEvent(
        ctx.db,
        event.id,
        {
          reason: o.getString("reason"),
          now,
          fallbackChannelId: ctx.config.ANNOUNCE_CHANNEL_ID ?? null,
          timeZone: ctx.config.CAMPAIGN_TIMEZONE,
        },
        auditActor(interaction),
      );
      refreshAnnouncement(ctx, event.id);
      ctx.wakeDmQueue();
      const synced = await syncDiscordEvent(ctx, interaction, r.event, "delete");
      const fallback = ctx.config.ANNOUNCE_CHANNEL_ID
        ? ` (in <#${ctx.config.ANNOUNCE_CHANNEL_ID}> for those whose DMs are closed)`
        : "";
      return {
        content: `Cancelled **${r.event.name}**. ${r.notified} ${r.notified === 1 ? "member who answered is" : "members who answered are"} being told by DM${fallback}.${synced}`,
      };
    }
    return { content: "Unknown subcommand. See /help." };
  },
  async autocomplete(interaction, ctx) {
    return eventChoices(ctx.db, String(interaction.options.getFocused()), ctx.now(), ctx.config.CAMPAIGN_TIMEZONE);
  },
  components: {
    async [EVENT_PREFIX](_interaction, id, ctx) {
      if (id.action !== "list") return { content: "This button is no longer active. Run /event list again." };
      return { kind: "update", message: await listPage(ctx, pageArg(id.args[0])) };
    },
  },
};

export default eventCommand;
