// /privacy: what the bot keeps about the member (show), all of it as a JSON file (export), and forgetting it
// (forget, behind a confirm button). Organizers may forget someone who left the server (forget member).
// The rules are in src/services/privacy.ts; the Forget button's customId names whom to forget and is checked
// again when pressed: one's own id, or an organizer's press for someone no longer in the server.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, type Interaction } from "discord.js";
import { SlashCommandBuilder } from "discord.js";
import { deferOnce } from "../src/discord/defer.js";
import { notifyOrganizers, refreshAnnouncement, refreshReviewPost } from "../src/discord/notices.js";
import { isOrganizer, requireOrganizer } from "../src/discord/permissions.js";
import { auditActor } from "../src/discord/members.js";
import type { BotContext, CommandModule, Response } from "../src/discord/types.js";
import { showMemberText } from "../src/discord/views/text.js";
import { ForgedInput, UserError } from "../src/errors.js";
import { foldForSearch } from "../src/services/events.js";
import {
  exportJson,
  exportMemberData,
  forgetMember,
  isPseudonym,
  memberCounts,
  type ForgetResult,
  type MemberCounts,
} from "../src/services/privacy.js";
import { discordTime } from "../src/services/time.js";

export const PRIVACY_PREFIX = "privacy";
const SNOWFLAKE = /^\d{17,20}$/;

const data = new SlashCommandBuilder()
  .setName("privacy")
  .setDescription("What this bot keeps about you; export it or have it forgotten")
  .addSubcommand((s) => s.setName("show").setDescription("What the bot keeps about you, and for how long"))
  .addSubcommand((s) => s.setName("export").setDescription("Everything the bot keeps about you, as a JSON file"))
  .addSubcommand((s) =>
    s
      .setName("forget")
      .setDescription("Have the bot forget you (asks to confirm first)")
      .addStringOption((o) =>
        o
          .setName("member")
          .setDescription("Organizers: someone who left the server (start typing a name)")
          .setAutocomplete(true)
          .setMaxLength(100),
      ),
  )
  .toJSON();

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summary(c: MemberCounts): string[] {
  return [
    `• ${plural(c.answers ?? 0, "answer")} to events (going, maybe, can't go, waitlist places, guests)`,
    `• ${plural((c.shifts ?? 0) + (c.shiftWaitlists ?? 0), "volunteer shift")} held or waited for, and the hours you served`,
    `• ${plural(c.djOffers ?? 0, "DJ offer")} (name, links, note) and ${plural(c.djSets ?? 0, "set")} in the lineup`,
    `• ${plural(c.trackRequests ?? 0, "track request")} and ${plural(c.trackVotes ?? 0, "vote")}`,
    `• ${plural(c.directMessages ?? 0, "DM")} the bot sent you or will send you (their full text)`,
  ];
}

function show(ctx: BotContext, counts: MemberCounts): Response {
  const days = ctx.config.RETENTION_DAYS;
  return {
    content: [
      "**What this bot keeps about you**",
      "Your Discord id, and the name you had in this server when you answered, volunteered or requested, with:",
      ...summary(counts),
      "",
      `**How long:** while the campaign runs. DMs are deleted ${days} days after they are sent; ${days} days after an event, shift or DJ set has ended, your name comes off your answers, shifts and requests there (the counts stay).`,
      "Money: donations come from the payment sites with only the name a donor chose to show; the bot never links them to your Discord account.",
      "",
      "`/privacy export` sends you all of it as a JSON file. `/privacy forget` erases it: your seats and shifts go to the next person waiting, your votes are taken back, your DJ offer is withdrawn, and what must stay for the campaign's totals is kept as “a former member”.",
    ].join("\n"),
  };
}

function confirmRows(targetId: string) {
  return [
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(`${PRIVACY_PREFIX}:forget:${targetId}`)
        .setLabel("Forget everything")
        .setStyle(ButtonStyle.Danger),
      new ButtonBuilder().setCustomId(`${PRIVACY_PREFIX}:keep`).setLabel("Keep it").setStyle(ButtonStyle.Secondary),
    ),
  ];
}

/** Someone still in the campaign's server forgets themselves: an organizer may only act for those who left. */
async function stillInServer(interaction: Interaction, userId: string): Promise<boolean> {
  const guild = interaction.guild;
  if (!guild) return false;
  try {
    await guild.members.fetch({ user: userId, force: true });
    return true;
  } catch (err) {
    // Only Discord's "Unknown Member" means they left; anything else (Discord down) is no answer at all.
    if ((err as { code?: unknown }).code === 10007) return false;
    throw new UserError("Discord did not say whether that member is still in the server. Try again in a minute.");
  }
}

async function checkOnBehalf(interaction: Interaction, ctx: BotContext, targetId: string): Promise<void> {
  requireOrganizer(interaction, ctx.config);
  if (!SNOWFLAKE.test(targetId)) throw new UserError("Pick the member from the list (start typing a name).");
  if (await stillInServer(interaction, targetId))
    throw new UserError(
      `<@${targetId}> is still in this server: they can use /privacy forget themselves. This is for members who left.`,
      "conflict",
    );
}

async function forgetAsk(
  interaction: Parameters<CommandModule["execute"]>[0],
  ctx: BotContext,
  targetId: string | null,
): Promise<Response> {
  const self = targetId === null || targetId === interaction.user.id;
  const userId = self ? interaction.user.id : targetId;
  if (!self) await checkOnBehalf(interaction, ctx, userId);
  const counts = await memberCounts(ctx.db, userId);
  const whose = self ? "you" : `<@${userId}>`;
  return {
    content: [
      `**Forget ${whose}?** This cannot be undone. The bot keeps:`,
      ...summary(counts),
      "",
      self
        ? "Pressing **Forget everything** frees your seats and shifts for the next person waiting, takes back your votes, withdraws your DJ offer and sets (the organizers are told), and deletes the DMs to you. Totals the campaign shows stay, credited to “a former member”. Want a copy first? `/privacy export`."
        : "Their seats and shifts go to the next person waiting, their votes are taken back, their DJ offer and sets are withdrawn, and the DMs to them are deleted. Totals stay, credited to “a former member”.",
    ].join("\n"),
    components: confirmRows(userId),
  };
}

function forgetDone(self: boolean, userId: string, r: ForgetResult): string {
  const parts: string[] = [];
  if (r.seatsFreed) parts.push(`${plural(r.seatsFreed, "seat")} freed`);
  if (r.promoted.length) parts.push(`${plural(r.promoted.length, "person", "people")} moved up from waitlists`);
  if (r.shiftsFreed) parts.push(`${plural(r.shiftsFreed, "shift slot")} freed`);
  if (r.offer) parts.push("the DJ offer withdrawn");
  if (r.setsRemoved.length) parts.push(`${plural(r.setsRemoved.length, "set")} taken out of the lineup`);
  if (r.votesRemoved) parts.push(`${plural(r.votesRemoved, "vote")} taken back`);
  if (r.dmsDeleted) parts.push(`${plural(r.dmsDeleted, "DM")} deleted`);
  const done = parts.length ? ` (${parts.join(", ")})` : "";
  return self
    ? `Done: the bot has forgotten you${done}. If you answer, volunteer or request again, you start fresh.`
    : `Done: <@${userId}> is forgotten${done}.`;
}

async function tellAfterForget(ctx: BotContext, r: ForgetResult): Promise<void> {
  for (const eventId of new Set(r.eventIds)) refreshAnnouncement(ctx, eventId);
  if (r.promoted.length || r.shiftPromoted.length) ctx.wakeDmQueue();
  if (r.offer) refreshReviewPost(ctx, r.offer.id);
  if (r.offer || r.setsRemoved.length) {
    const sets = r.setsRemoved.map((s) => `${showMemberText(s.stage, 40)} ${discordTime(s.startsAt, "F")}`);
    await notifyOrganizers(
      ctx,
      `A DJ asked the bot to forget them: their offer is withdrawn${sets.length ? ` and these sets left the lineup: ${sets.join("; ")}. Those slots are free.` : "."}`,
    );
  }
}

const privacy: CommandModule = {
  data,
  help: [
    { usage: "/privacy show", summary: "what the bot keeps about you, and for how long" },
    { usage: "/privacy export", summary: "everything the bot keeps about you, as a JSON file" },
    { usage: "/privacy forget", summary: "have the bot forget you (confirm first)" },
    { usage: "/privacy forget member", summary: "forget someone who left the server", organizer: true },
  ],
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === "show") return show(ctx, await memberCounts(ctx.db, interaction.user.id));
    if (sub === "export") {
      await deferOnce(interaction);
      const dump = await exportMemberData(ctx.db, interaction.user.id, ctx.now());
      return {
        content: "Everything the bot keeps about you, table by table. `/privacy forget` erases it.",
        files: [{ attachment: Buffer.from(exportJson(dump)), name: `privacy-${interaction.user.id}.json` }],
      };
    }
    if (sub === "forget") return forgetAsk(interaction, ctx, interaction.options.getString("member"));
    return { content: "This command is no longer available. Type / to see the current ones." };
  },
  components: {
    async [PRIVACY_PREFIX](interaction, id, ctx) {
      if (id.action === "keep")
        return { kind: "update", message: { content: "Nothing was forgotten.", components: [] } };
      const targetId = id.args[0] ?? "";
      if (id.action !== "forget" || id.args.length !== 1 || !SNOWFLAKE.test(targetId))
        throw new ForgedInput(`privacy ${id.action} ${JSON.stringify(id.args.join(":").slice(0, 40))}`);
      const self = targetId === interaction.user.id;
      if (!self) await checkOnBehalf(interaction, ctx, targetId);
      await deferOnce(interaction);
      // On someone's behalf, the organizer's forget is a row of the audit trail (naming a former member only).
      const result = await forgetMember(ctx.db, targetId, ctx.config, ctx.now(), self ? null : auditActor(interaction));
      await tellAfterForget(ctx, result);
      return { kind: "update", message: { content: forgetDone(self, targetId, result), components: [] } };
    },
  },
  async autocomplete(interaction, ctx) {
    // Organizers pick whom to forget among the names the bot keeps; members see nothing here.
    if (!isOrganizer(interaction, ctx.config)) return [];
    const text = foldForSearch(String(interaction.options.getFocused()).trim().slice(0, 100));
    const [answers, shifts] = await Promise.all([
      ctx.db.rsvp.findMany({ select: { userId: true, displayName: true }, orderBy: { updatedAt: "desc" }, take: 500 }),
      ctx.db.shiftAssignment.findMany({ select: { userId: true, userName: true }, take: 500 }),
    ]);
    const names = new Map<string, string>();
    for (const r of answers) names.set(r.userId, r.displayName);
    for (const s of shifts) if (!names.has(s.userId)) names.set(s.userId, s.userName);
    return [...names]
      .filter(([userId, name]) => !isPseudonym(userId) && foldForSearch(name).includes(text))
      .slice(0, 25)
      .map(([userId, name]) => ({ name: name.slice(0, 100), value: userId }));
  },
};

export default privacy;
