// /volunteer: browse open shifts, claim (or wait for) one, drop or offer it, see mine, check in.
// Thin handlers: parse, one service call, build the reply. The rules live in src/services.
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  SlashCommandBuilder,
  StringSelectMenuBuilder,
  type Interaction,
  type SlashCommandStringOption,
} from "discord.js";
import { UserError } from "../src/errors.js";
import { idArg, pageArg } from "../src/discord/ids.js";
import { memberDisplayName, memberRoleIds } from "../src/discord/members.js";
import { claimPublicPost } from "../src/discord/publicPosts.js";
import type {
  AutocompleteChoice,
  BotContext,
  CommandModule,
  ComponentInteraction,
  ParsedCustomId,
  Response,
} from "../src/discord/types.js";
import { pagerRows } from "../src/discord/views/pager.js";
import { COLORS } from "../src/discord/views/palette.js";
import { checkInSelf } from "../src/services/shiftCheckins.js";
import { hours, parseShiftId, shiftLabel, shiftLine, slotsLeft, type ShiftView } from "../src/services/shiftCore.js";
import { findRole, searchRoles } from "../src/services/shifts.js";
import { dayRange, discordTime } from "../src/services/time.js";
import {
  claimableShifts,
  claimShift,
  dropShift,
  joinWaitlist,
  myShifts,
  offerShift,
  openShifts,
  takeOffer,
  upcomingOf,
  type Member,
} from "../src/services/volunteers.js";

const VOLUNTEER_PREFIX = "vol";

const shiftOption = (what: string) => (o: SlashCommandStringOption) =>
  o.setName("shift").setDescription(what).setRequired(true).setAutocomplete(true).setMaxLength(20);

const data = new SlashCommandBuilder()
  .setName("volunteer")
  .setDescription("Volunteer shifts: find one, claim it, hand it over, check in")
  .addSubcommand((s) =>
    s
      .setName("shifts")
      .setDescription("Open shifts with slots left")
      .addStringOption((o) =>
        o.setName("role").setDescription("Only this volunteer role").setAutocomplete(true).setMaxLength(50),
      )
      .addStringOption((o) =>
        o.setName("day").setDescription("Only this day, such as 2026-12-05 or saturday").setMaxLength(60),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("claim")
      .setDescription("Claim a shift (a full one offers its waitlist)")
      .addStringOption(shiftOption("The shift: start typing a role")),
  )
  .addSubcommand((s) =>
    s
      .setName("drop")
      .setDescription("Give back a shift you hold, or leave a waitlist")
      .addStringOption(shiftOption("One of your shifts")),
  )
  .addSubcommand((s) =>
    s
      .setName("offer")
      .setDescription("Post one of your shifts for someone else to take")
      .addStringOption(shiftOption("One of your shifts")),
  )
  .addSubcommand((s) => s.setName("mine").setDescription("Your shifts and the hours you have served"))
  .addSubcommand((s) =>
    s.setName("checkin").setDescription("Check in to your shift (from 30 minutes before it starts)"),
  )
  .toJSON();

/** The member as the services need them: id, a name for rosters, and their Discord role ids. */
export function memberOf(interaction: Interaction): Member {
  return { userId: interaction.user.id, userName: memberDisplayName(interaction), roleIds: memberRoleIds(interaction) };
}

function choice(name: string, value: number): AutocompleteChoice {
  return { name: name.length > 100 ? `${name.slice(0, 99)}…` : name, value: String(value) };
}

function claimedReply(shift: ShiftView): Response {
  const extra = shift.description ? `\n> ${shift.description}` : "";
  return {
    content: `You hold the ${shiftLine(shift)} shift (${discordTime(shift.startsAt, "R")}).${extra}\nI will remind you by DM before it starts; check in with \`/volunteer checkin\` from 30 minutes before. Can't make it? \`/volunteer drop\` or \`/volunteer offer\`.`,
  };
}

async function claim(ctx: BotContext, interaction: Interaction, shiftId: number): Promise<Response> {
  const result = await claimShift(ctx.db, ctx.config, shiftId, memberOf(interaction), ctx.now());
  if (result.status === "claimed") return claimedReply(result.shift);
  if (result.onWaitlist)
    return {
      content: `The ${shiftLine(result.shift)} shift is full and you are already on its waitlist: I will DM you if a slot opens.`,
    };
  const button = new ButtonBuilder()
    .setCustomId(`${VOLUNTEER_PREFIX}:wait:${shiftId}`)
    .setLabel("Join the waitlist")
    .setStyle(ButtonStyle.Primary);
  return {
    content: `The ${shiftLine(result.shift)} shift is full. Join its waitlist and the first free slot is yours (I will DM you).`,
    components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)],
  };
}

/** One page of open shifts, with a select menu to claim and buttons to turn pages. */
async function listPage(ctx: BotContext, filter: { roleId?: number; from?: Date; to?: Date }, page: number) {
  const tz = ctx.config.CAMPAIGN_TIMEZONE;
  const list = await openShifts(ctx.db, filter, page, ctx.now());
  const embed = new EmbedBuilder().setColor(COLORS.volunteer).setTitle("Open volunteer shifts");
  if (!list.shifts.length) {
    embed.setDescription(
      "No open shifts match right now. Try without filters, or come back later: organizers add shifts as plans firm up.",
    );
    return { embeds: [embed], components: [] };
  }
  embed.setDescription(
    list.shifts
      .map(
        (s) =>
          `${shiftLine(s)} · ${slotsLeft(s)} of ${s.capacity} left${s.requiresRoleId ? ` · needs <@&${s.requiresRoleId}>` : ""}${s.description ? `\n  ${s.description}` : ""}`,
      )
      .join("\n"),
  );
  embed.setFooter({ text: `Page ${list.page + 1} of ${list.pages} · ${list.total} open · pick one below to claim it` });
  const select = new StringSelectMenuBuilder()
    .setCustomId(`${VOLUNTEER_PREFIX}:claim`)
    .setPlaceholder("Claim a shift from this page")
    .addOptions(
      list.shifts.map((s) => ({
        label: shiftLabel(s, tz).slice(0, 100),
        value: String(s.id),
        description: `${slotsLeft(s)} of ${s.capacity} slots left`,
      })),
    );
  const state = `${filter.roleId ?? 0}:${filter.from ? filter.from.getTime() / 1000 : 0}:${filter.to ? filter.to.getTime() / 1000 : 0}`;
  const rows = [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(select)];
  const pager = pagerRows({
    page: list.page,
    hasNext: list.page < list.pages - 1,
    customId: (target) => `${VOLUNTEER_PREFIX}:page:${target}:${state}`,
  });
  return { embeds: [embed], components: [...rows, ...pager] };
}

async function mine(ctx: BotContext, userId: string): Promise<Response> {
  const now = ctx.now();
  const { held, waiting, minutesServed } = await myShifts(ctx.db, userId);
  const status = (a: (typeof held)[number]) =>
    a.noShow
      ? " · recorded as a no-show"
      : a.checkedInAt
        ? " · checked in"
        : a.shift.endsAt <= now
          ? " · ended"
          : a.shift.startsAt <= now
            ? " · now"
            : ` · ${discordTime(a.shift.startsAt, "R")}`;
  const lines = [
    ...held.map((a) => `${shiftLine(a.shift)}${status(a)}`),
    ...waiting.map((w) => `${shiftLine(w.shift)} · waitlist, place ${w.position}`),
  ];
  const embed = new EmbedBuilder()
    .setColor(COLORS.volunteer)
    .setTitle("Your shifts")
    .setDescription(
      lines.length ? lines.join("\n").slice(0, 4000) : "None yet. `/volunteer shifts` lists the open ones.",
    )
    .setFooter({ text: `Hours served so far: ${hours(minutesServed)}` });
  return { embeds: [embed] };
}

const volunteer: CommandModule = {
  data,
  help: [
    { usage: "/volunteer shifts [role] [day]", summary: "open shifts with slots left; claim from the list" },
    { usage: "/volunteer claim shift", summary: "claim a shift (a full one offers its waitlist)" },
    {
      usage: "/volunteer drop shift",
      summary: "give a shift back (not within the last hours before it), or leave a waitlist",
    },
    {
      usage: "/volunteer offer shift",
      summary: "post your shift with a button: the first eligible member to press it takes it over",
    },
    { usage: "/volunteer mine", summary: "your shifts and the hours you have served" },
    { usage: "/volunteer checkin", summary: "check in, from 30 minutes before your shift until its end" },
  ],

  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const now = ctx.now();
    const userId = interaction.user.id;
    switch (sub) {
      case "shifts": {
        const role = await findRole(ctx.db, interaction.options.getString("role"));
        const dayText = interaction.options.getString("day");
        const day = dayText ? dayRange(dayText, ctx.config.CAMPAIGN_TIMEZONE, now) : null;
        return listPage(ctx, { roleId: role?.id, from: day?.from, to: day?.to }, 0);
      }
      case "claim":
        return claim(ctx, interaction, parseShiftId(interaction.options.getString("shift", true)));
      case "drop": {
        const result = await dropShift(
          ctx.db,
          ctx.config,
          parseShiftId(interaction.options.getString("shift", true)),
          userId,
          now,
        );
        if (result.status === "left-waitlist")
          return { content: `You left the waitlist of the ${shiftLine(result.shift)} shift.` };
        ctx.wakeDmQueue();
        const passed = result.promoted.length ? " The next volunteer on its waitlist has it now." : "";
        return {
          content: `You dropped the ${shiftLine(result.shift)} shift. Thank you for telling us in time.${passed}`,
        };
      }
      case "offer": {
        const shiftId = parseShiftId(interaction.options.getString("shift", true));
        // A public post in the bot's name: only where members write, once per shift every few minutes.
        const post = claimPublicPost(interaction, `shift-offer:${shiftId}:${userId}`, now);
        if (!post.ok) {
          throw new UserError(
            post.reason === "read-only"
              ? "Members cannot write in this channel, so I will not post your offer here. Run /volunteer offer in a channel where members talk."
              : `Your offer of this shift was posted here a moment ago and its button still works. You can post it again ${discordTime(post.again, "R")}.`,
            post.reason === "read-only" ? "forbidden" : "limited",
          );
        }
        const { offer, shift, again } = await offerShift(ctx.db, shiftId, userId, now);
        const button = new ButtonBuilder()
          .setCustomId(`${VOLUNTEER_PREFIX}:take:${offer.id}`)
          .setLabel("Take this shift")
          .setStyle(ButtonStyle.Success);
        return {
          ephemeral: false,
          content: `<@${userId}> ${again ? "is still looking" : "is looking"} for someone to take their ${shiftLine(shift)} shift (${discordTime(shift.startsAt, "R")}).${shift.requiresRoleId ? ` It needs the <@&${shift.requiresRoleId}> role.` : ""} The first to press the button takes it over.`,
          components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)],
        };
      }
      case "mine":
        return mine(ctx, userId);
      case "checkin": {
        const { shift, minutes } = await checkInSelf(ctx.db, userId, now);
        return {
          content: `Checked in to the ${shiftLine(shift)} shift. Thank you! That is ${hours(minutes)} of volunteering on the books.`,
        };
      }
      default:
        throw new UserError("Unknown subcommand. Type /volunteer to see the choices.", "stale");
    }
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const now = ctx.now();
    const tz = ctx.config.CAMPAIGN_TIMEZONE;
    if (focused.name === "role")
      return (await searchRoles(ctx.db, focused.value)).map((r) => ({ name: r.name, value: r.name }));
    const sub = interaction.options.getSubcommand();
    if (sub === "claim") {
      const shifts = await claimableShifts(ctx.db, ctx.config, memberOf(interaction), focused.value, now);
      return shifts.map((s) =>
        choice(
          `${shiftLabel(s, tz)} · ${slotsLeft(s) ? `${slotsLeft(s)} of ${s.capacity} left` : "full: join the waitlist"}`,
          s.id,
        ),
      );
    }
    const q = focused.value.trim().toLowerCase();
    const { held, waiting } = await upcomingOf(ctx.db, interaction.user.id, now, { waitlist: sub === "drop" });
    return [
      ...held.map((s) => choice(shiftLabel(s, tz), s.id)),
      ...waiting.map((s) => choice(`${shiftLabel(s, tz)} · leave the waitlist`, s.id)),
    ]
      .filter((c) => !q || c.name.toLowerCase().includes(q))
      .slice(0, 25);
  },

  components: {
    [VOLUNTEER_PREFIX]: async (
      interaction: ComponentInteraction,
      id: ParsedCustomId,
      ctx: BotContext,
    ): Promise<Response> => {
      const now = ctx.now();
      switch (id.action) {
        case "claim": {
          if (!interaction.isStringSelectMenu()) break;
          return claim(ctx, interaction, parseShiftId(interaction.values[0]));
        }
        case "wait": {
          const result = await joinWaitlist(ctx.db, ctx.config, parseShiftId(id.args[0]), memberOf(interaction), now);
          if (result.status === "claimed") return claimedReply(result.shift);
          return {
            content: `You are on the waitlist of the ${shiftLine(result.shift)} shift, place ${result.position}. I will DM you if a slot opens; \`/volunteer drop\` takes you off it.`,
          };
        }
        case "page": {
          // Every part is checked: a forged "vol:page:0:0:99999999999999:0" is an invalid date, not a query.
          const [pageText, roleText = "0", fromText = "0", toText = "0"] = id.args;
          const page = pageArg(pageText);
          const roleId = roleText === "0" ? undefined : idArg(roleText, "role");
          const when = (text: string) => (text === "0" ? undefined : new Date(idArg(text, "time") * 1000));
          const message = await listPage(ctx, { roleId, from: when(fromText), to: when(toText) }, page);
          return { kind: "update", message };
        }
        case "take": {
          const { shift, fromUserId } = await takeOffer(
            ctx.db,
            ctx.config,
            idArg(id.args[0], "shift offer"),
            memberOf(interaction),
            now,
          );
          ctx.wakeDmQueue();
          return {
            kind: "update",
            message: {
              content: `<@${interaction.user.id}> took over <@${fromUserId}>'s ${shiftLine(shift)} shift. Thank you both!`,
              components: [],
            },
          };
        }
      }
      throw new UserError("This button is no longer active. Run /volunteer shifts again to get a fresh list.", "stale");
    },
  },
};

export default volunteer;
