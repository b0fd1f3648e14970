// /shifts: organizers add, edit and remove volunteer shifts, see the roster, export it, record check-ins
// and no-shows. Organizer-only by default_member_permissions, and checked again here on every call.
import { text } from "node:stream/consumers";
import { DateTime } from "luxon";
import { EmbedBuilder, SlashCommandBuilder, type SlashCommandStringOption } from "discord.js";
import { UserError } from "../src/errors.js";
import { auditActor } from "../src/discord/members.js";
import { isOrganizer, ORGANIZER_PERMISSIONS, requireOrganizer } from "../src/discord/permissions.js";
import type { BotContext, CommandModule } from "../src/discord/types.js";
import { COLORS } from "../src/discord/views/palette.js";
import { readMetrics } from "../src/services/metrics.js";
import { checkInMember, markNoShow } from "../src/services/shiftCheckins.js";
import { hours, parseShiftId, shiftLabel, shiftLine, shiftMinutes } from "../src/services/shiftCore.js";
import {
  addShift,
  editShift,
  exportShifts,
  findRole,
  MAX_CAPACITY,
  MAX_DESCRIPTION,
  removeShift,
  roster,
  searchRoles,
  searchShifts,
} from "../src/services/shifts.js";
import { dayRange, parseWhen, requireWhen, TIME_EXAMPLES } from "../src/services/time.js";

const shiftOption = (o: SlashCommandStringOption) =>
  o
    .setName("shift")
    .setDescription("The shift: start typing its role")
    .setRequired(true)
    .setAutocomplete(true)
    .setMaxLength(20);
const roleOption = (required: boolean) => (o: SlashCommandStringOption) =>
  o
    .setName("role")
    .setDescription("Volunteer role, such as Door; a new name creates it")
    .setRequired(required)
    .setAutocomplete(true)
    .setMaxLength(50);

const data = new SlashCommandBuilder()
  .setName("shifts")
  .setDescription("Organizers: set up and run volunteer shifts")
  .setDefaultMemberPermissions(ORGANIZER_PERMISSIONS)
  .addSubcommand((s) =>
    s
      .setName("add")
      .setDescription("Add a volunteer shift")
      .addStringOption(roleOption(true))
      .addStringOption((o) =>
        o
          .setName("starts")
          .setDescription("Start, such as 2026-12-05 20:00 or saturday 8pm")
          .setRequired(true)
          .setMaxLength(100),
      )
      .addStringOption((o) =>
        o.setName("ends").setDescription("End, such as 23:00 or 2026-12-06 02:00").setRequired(true).setMaxLength(100),
      )
      .addIntegerOption((o) =>
        o
          .setName("capacity")
          .setDescription("How many volunteers")
          .setRequired(true)
          .setMinValue(1)
          .setMaxValue(MAX_CAPACITY),
      )
      .addStringOption((o) =>
        o.setName("description").setDescription("What the volunteers do").setMaxLength(MAX_DESCRIPTION),
      )
      .addRoleOption((o) => o.setName("requires").setDescription("A Discord role volunteers must hold to claim it")),
  )
  .addSubcommand((s) =>
    s
      .setName("edit")
      .setDescription("Change a shift (holders are told of new times)")
      .addStringOption(shiftOption)
      .addStringOption(roleOption(false))
      .addStringOption((o) => o.setName("starts").setDescription("New start").setMaxLength(100))
      .addStringOption((o) => o.setName("ends").setDescription("New end").setMaxLength(100))
      .addIntegerOption((o) =>
        o
          .setName("capacity")
          .setDescription("New capacity (not below the slots taken)")
          .setMinValue(1)
          .setMaxValue(MAX_CAPACITY),
      )
      .addStringOption((o) => o.setName("description").setDescription("New description").setMaxLength(MAX_DESCRIPTION))
      .addRoleOption((o) => o.setName("requires").setDescription("Require this Discord role from now on"))
      .addBooleanOption((o) => o.setName("anyone").setDescription("True: no role required any more")),
  )
  .addSubcommand((s) =>
    s
      .setName("remove")
      .setDescription("Cancel a shift; holders and its waitlist are told by DM")
      .addStringOption(shiftOption),
  )
  .addSubcommand((s) =>
    s
      .setName("roster")
      .setDescription("Who is on which shift, checked in or not")
      .addStringOption((o) =>
        o.setName("day").setDescription("Only this day, such as 2026-12-05 or saturday").setMaxLength(60),
      )
      .addStringOption(roleOption(false)),
  )
  .addSubcommand((s) => s.setName("export").setDescription("Every shift and volunteer as a CSV file"))
  .addSubcommand((s) =>
    s
      .setName("checkin")
      .setDescription("Check a volunteer in")
      .addUserOption((o) => o.setName("member").setDescription("The volunteer").setRequired(true))
      .addStringOption(shiftOption),
  )
  .addSubcommand((s) =>
    s
      .setName("noshow")
      .setDescription("Record that a volunteer did not come")
      .addUserOption((o) => o.setName("member").setDescription("The volunteer").setRequired(true))
      .addStringOption(shiftOption),
  )
  .toJSON();

/** An end typed as just a time ("02:00") means the first such moment after the start, across midnight if need be. */
function readEnd(textValue: string, startsAt: Date, ctx: BotContext): Date {
  const tz = ctx.config.CAMPAIGN_TIMEZONE;
  const fromNow = requireWhen(textValue, "the end", tz, ctx.now());
  if (fromNow > startsAt) return fromNow;
  const fromStart = parseWhen(textValue, tz, startsAt);
  return fromStart && fromStart > startsAt ? fromStart : fromNow;
}

async function showRoster(ctx: BotContext, dayText: string | null, roleName: string | null) {
  const tz = ctx.config.CAMPAIGN_TIMEZONE;
  const role = await findRole(ctx.db, roleName);
  const day = dayText ? dayRange(dayText, tz, ctx.now()) : null;
  const shifts = await roster(ctx.db, {
    from: day?.from ?? (dayText ? undefined : new Date(ctx.now().getTime() - 24 * 3600_000)),
    to: day?.to,
    roleId: role?.id,
  });
  const m = await readMetrics(ctx.db);
  const blocks = shifts.map((s) => {
    const people = s.assignments
      .map((a) => `${a.noShow ? "❌" : a.checkedInAt ? "✅" : "⬜"} <@${a.userId}>`)
      .join(" ");
    const wait = s.waitlist.length ? `\n  waiting: ${s.waitlist.map((w) => `<@${w.userId}>`).join(" ")}` : "";
    return `${shiftLine(s)} · ${s.taken}/${s.capacity}${s.requiresRoleId ? ` · needs <@&${s.requiresRoleId}>` : ""}\n  ${people || "nobody yet"}${wait}`;
  });
  let description = "";
  for (const [i, block] of blocks.entries()) {
    if (description.length + block.length > 3_800) {
      description += `\n…and ${blocks.length - i} more shifts: narrow by day or role, or use /shifts export.`;
      break;
    }
    description += `${description ? "\n" : ""}${block}`;
  }
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle(
      day
        ? `Roster for ${DateTime.fromJSDate(day.from, { zone: tz }).toFormat("cccc d LLLL yyyy")}`
        : "Roster (from yesterday on)",
    )
    .setDescription(description || "No shifts match.")
    .setFooter({
      text: `✅ checked in · ⬜ not yet · ❌ no-show · Overall: ${m.shift_slots_filled}/${m.shift_slots_total} slots filled, ${m.volunteers} volunteers, ${hours(m.volunteer_minutes_served)} served`,
    });
  return { embeds: [embed] };
}

const shifts: CommandModule = {
  data,
  help: [
    {
      usage: "/shifts add role starts ends capacity [description] [requires]",
      summary: "add a volunteer shift",
      organizer: true,
    },
    {
      usage: "/shifts edit shift [...]",
      summary: "change a shift; holders are told, overlaps are flagged",
      organizer: true,
    },
    {
      usage: "/shifts remove shift",
      summary: "cancel a shift; holders and its waitlist are told by DM",
      organizer: true,
    },
    { usage: "/shifts roster [day] [role]", summary: "who is on which shift, checked in or not", organizer: true },
    { usage: "/shifts export", summary: "every shift and volunteer as CSV", organizer: true },
    { usage: "/shifts checkin member shift", summary: "check a volunteer in", organizer: true },
    { usage: "/shifts noshow member shift", summary: "record a no-show", organizer: true },
  ],

  async execute(interaction, ctx) {
    requireOrganizer(interaction, ctx.config);
    const sub = interaction.options.getSubcommand();
    const now = ctx.now();
    const tz = ctx.config.CAMPAIGN_TIMEZONE;
    switch (sub) {
      case "add": {
        const startsAt = requireWhen(interaction.options.getString("starts", true), "the start", tz, now);
        const endsAt = readEnd(interaction.options.getString("ends", true), startsAt, ctx);
        const shift = await addShift(
          ctx.db,
          {
            roleName: interaction.options.getString("role", true),
            startsAt,
            endsAt,
            capacity: interaction.options.getInteger("capacity", true),
            description: interaction.options.getString("description"),
            requiresRoleId: interaction.options.getRole("requires")?.id ?? null,
            createdBy: interaction.user.id,
            now,
          },
          auditActor(interaction),
        );
        return {
          content:
            `Added ${shiftLine(shift)} (${hours(shiftMinutes(shift))}), ${shift.capacity} ${shift.capacity === 1 ? "slot" : "slots"}` +
            `${shift.requiresRoleId ? `, for members with <@&${shift.requiresRoleId}>` : ""}. Volunteers claim it with \`/volunteer claim\`.\n` +
            `Times were read in ${tz}; check the echo above shows what you meant (${TIME_EXAMPLES}).`,
        };
      }
      case "edit": {
        const shiftId = parseShiftId(interaction.options.getString("shift", true));
        const startsText = interaction.options.getString("starts");
        const endsText = interaction.options.getString("ends");
        const startsAt = startsText ? requireWhen(startsText, "the start", tz, now) : null;
        const current = startsAt ?? (await ctx.db.shift.findUnique({ where: { id: shiftId } }))?.startsAt ?? now;
        const requires = interaction.options.getBoolean("anyone")
          ? null
          : (interaction.options.getRole("requires")?.id ?? undefined);
        const result = await editShift(
          ctx.db,
          ctx.config,
          {
            shiftId,
            roleName: interaction.options.getString("role"),
            startsAt,
            endsAt: endsText ? readEnd(endsText, current, ctx) : null,
            capacity: interaction.options.getInteger("capacity"),
            description: interaction.options.getString("description"),
            requiresRoleId: requires,
            now,
          },
          auditActor(interaction),
        );
        ctx.wakeDmQueue();
        const warn = result.conflicts.length
          ? `\n⚠️ The new times overlap other shifts these volunteers hold (they were told by DM):\n${result.conflicts.map((c) => `- <@${c.userId}> (${c.userName}): ${shiftLine(c.other)}`).join("\n")}`
          : "";
        const promoted = result.promoted.length
          ? `\n${result.promoted.length} from the waitlist got a slot and were told by DM.`
          : "";
        return {
          content:
            `Updated: ${shiftLine(result.shift)} · ${result.shift.taken}/${result.shift.capacity} filled.${warn}${promoted}`.slice(
              0,
              2_000,
            ),
        };
      }
      case "remove": {
        const { shift, told } = await removeShift(
          ctx.db,
          parseShiftId(interaction.options.getString("shift", true)),
          now,
          auditActor(interaction),
        );
        ctx.wakeDmQueue();
        return {
          content: `Removed the ${shiftLine(shift)} shift. ${told ? `${told} ${told === 1 ? "volunteer was" : "volunteers were"} told by DM.` : "Nobody held it."}`,
        };
      }
      case "roster":
        return showRoster(ctx, interaction.options.getString("day"), interaction.options.getString("role"));
      case "export": {
        const csv = await text(exportShifts(ctx.db, tz));
        return {
          content: "Every shift with its volunteers and waitlist (times in UTC and in the campaign's zone).",
          files: [{ attachment: Buffer.from(csv), name: "shifts.csv" }],
        };
      }
      case "checkin": {
        const member = interaction.options.getUser("member", true);
        const { shift, minutes } = await checkInMember(
          ctx.db,
          parseShiftId(interaction.options.getString("shift", true)),
          member.id,
          now,
          auditActor(interaction),
        );
        return { content: `Checked in <@${member.id}> to ${shiftLine(shift)} (${hours(minutes)}).` };
      }
      case "noshow": {
        const member = interaction.options.getUser("member", true);
        const { shift, minutesTakenBack } = await markNoShow(
          ctx.db,
          parseShiftId(interaction.options.getString("shift", true)),
          member.id,
          now,
          auditActor(interaction),
        );
        return {
          content: `Recorded <@${member.id}> as a no-show for ${shiftLine(shift)}.${minutesTakenBack ? ` Their check-in (${hours(minutesTakenBack)}) was taken back.` : ""}`,
        };
      }
    }
    throw new UserError("Unknown subcommand. Type /shifts to see the choices.", "stale");
  },

  async autocomplete(interaction, ctx) {
    // Organizer data: only organizers get suggestions.
    if (!isOrganizer(interaction, ctx.config)) return [];
    const focused = interaction.options.getFocused(true);
    if (focused.name === "role")
      return (await searchRoles(ctx.db, focused.value)).map((r) => ({ name: r.name, value: r.name }));
    const memberId = interaction.options.get("member")?.value;
    const list = await searchShifts(ctx.db, focused.value, ctx.now(), typeof memberId === "string" ? memberId : null);
    const tz = ctx.config.CAMPAIGN_TIMEZONE;
    return list.map((s) => ({
      name: `${shiftLabel(s, tz)} · ${s.taken}/${s.capacity}`.slice(0, 100),
      value: String(s.id),
    }));
  },
};

export default shifts;
