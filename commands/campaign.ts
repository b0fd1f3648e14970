// /campaign: the goal and money raised, the status card, milestones, and what goes to X, Bluesky and Mastodon.
// Thin handlers: parse, one service call, build the reply. The rules live in src/services and src/x.
import {
  AttachmentBuilder,
  EmbedBuilder,
  SlashCommandBuilder,
  type ChatInputCommandInteraction,
  type RepliableInteraction,
} from "discord.js";
import { isCardCached, renderCardCached } from "../src/card/card.js";
import { cardData, type CardData } from "../src/services/cardData.js";
import { deferOnce } from "../src/discord/defer.js";
import { NO_LONGER_ACTIVE, UserError } from "../src/errors.js";
import { auditActor } from "../src/discord/members.js";
import { isOrganizer, requireOrganizer } from "../src/discord/permissions.js";
import type { BotContext, CommandModule, Response } from "../src/discord/types.js";
import { COLORS } from "../src/discord/views/palette.js";
import { formatCount, formatMoney, percentOf, requireAmount } from "../src/services/amounts.js";
import {
  addDonation,
  campaignNumbers,
  MAX_NOTE,
  pausePosting,
  requireCampaign,
  resumePosting,
  setRaisedTotal,
  setupCampaign,
} from "../src/services/campaign.js";
import { parseId } from "../src/services/ids.js";
import { MAX_IMPORT_BYTES } from "../src/services/donationCsv.js";
import { cancelImport, confirmImport, previewImport } from "../src/services/donationImports.js";
import { latestDonations, ledgerTotal, sourceTotals } from "../src/services/donations.js";
import { METRICS } from "../src/services/metricNames.js";
import {
  addMilestone,
  listMilestones,
  milestoneSummary,
  nextMilestones,
  openMilestones,
  parseThreshold,
  removeMilestone,
} from "../src/services/milestones.js";
import { readMetrics } from "../src/services/metrics.js";
import { discordTime } from "../src/services/time.js";
import {
  donationsView,
  importPreviewView,
  importResultText,
  IMPORT_PREFIX,
  sourcesView,
} from "../src/discord/views/donations.js";
import { inQuietHours, nextCronRuns } from "../src/x/schedule.js";
import { failedTweets, nextWaitingTweet, parseCard, recentTweets } from "../src/services/tweetOutbox.js";
import { historyLines, previewLines } from "../src/x/postViews.js";
import { requeueFailedPost } from "../src/x/deliveries.js";
import { MAX_CAMPAIGN_NAME, MAX_TEMPLATE, PLACEHOLDERS } from "../src/services/postText.js";

const CARD_FILE = "progress-card.png";

const data = new SlashCommandBuilder()
  .setName("campaign")
  .setDescription("The campaign: money raised, milestones and posts (X, Bluesky, Mastodon)")
  .addSubcommand((s) => s.setName("status").setDescription("Where the campaign stands, with its progress card"))
  .addSubcommand((s) =>
    s
      .setName("setup")
      .setDescription("Organizers: start the campaign, or change its name, goal, currency or hashtag")
      .addStringOption((o) =>
        o
          .setName("name")
          .setDescription("Its name, as posts on X show it")
          .setRequired(true)
          .setMaxLength(MAX_CAMPAIGN_NAME),
      )
      .addStringOption((o) =>
        o.setName("goal").setDescription("The goal, such as 20000 or 20,000").setRequired(true).setMaxLength(20),
      )
      .addStringOption((o) =>
        o
          .setName("currency")
          .setDescription("Three letters, such as USD (the default) or EUR")
          .setMinLength(3)
          .setMaxLength(3),
      )
      .addStringOption((o) =>
        o.setName("hashtag").setDescription("Added to posts, such as KeepDancing (empty to remove)").setMaxLength(31),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("raised")
      .setDescription("Organizers: set the running total, read off the fundraising page")
      .addStringOption((o) =>
        o
          .setName("total")
          .setDescription("The total raised, such as 33000, 33,000 or 33000.50")
          .setRequired(true)
          .setMaxLength(20),
      )
      .addStringOption((o) =>
        o.setName("note").setDescription("Where it comes from (kept in the record)").setMaxLength(MAX_NOTE),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("donation")
      .setDescription("Organizers: add a donation to the total")
      .addStringOption((o) =>
        o.setName("amount").setDescription("The amount, such as 250 or 1,000.50").setRequired(true).setMaxLength(20),
      )
      .addStringOption((o) =>
        o.setName("note").setDescription("A note for the record, such as cash at the bake sale").setMaxLength(MAX_NOTE),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("import")
      .setDescription("Organizers: add donations from a GoFundMe, Givebutter or Donorbox export (CSV)")
      .addAttachmentOption((o) =>
        o
          .setName("file")
          .setDescription("The export as downloaded, or a CSV of date,name,amount[,currency,id]")
          .setRequired(true),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("sources")
      .setDescription("Organizers: money per source (Stripe, Ko-fi, imports...) and the last of each"),
  )
  .addSubcommand((s) => s.setName("donations").setDescription("Organizers: the latest donations, newest first"))
  .addSubcommandGroup((g) =>
    g
      .setName("milestone")
      .setDescription("Organizers: the numbers that get posted when reached")
      .addSubcommand((s) =>
        s
          .setName("add")
          .setDescription(
            "Add a milestone (for a full lineup: metric lineup_sets, threshold the planned number of sets)",
          )
          .addStringOption((o) =>
            o
              .setName("metric")
              .setDescription("What is counted")
              .setRequired(true)
              .addChoices(
                ...Object.entries(METRICS).map(([value, name]) => ({
                  name: `${name} (${value})`.slice(0, 100),
                  value,
                })),
              ),
          )
          .addStringOption((o) =>
            o
              .setName("threshold")
              .setDescription("A number (such as 500), an amount for money, or a percent of the goal (such as 125%)")
              .setRequired(true)
              .setMaxLength(20),
          )
          .addStringOption((o) =>
            o
              .setName("template")
              .setDescription("The post, with {milestone}, {campaign}, {raised}, {goal}, {hashtag}...")
              .setMaxLength(MAX_TEMPLATE),
          ),
      )
      .addSubcommand((s) => s.setName("list").setDescription("The milestones, reached and to come"))
      .addSubcommand((s) =>
        s
          .setName("remove")
          .setDescription("Remove a milestone not reached yet")
          .addStringOption((o) =>
            o
              .setName("milestone")
              .setDescription("Start typing to pick one")
              .setRequired(true)
              .setAutocomplete(true)
              .setMaxLength(20),
          ),
      ),
  )
  .addSubcommand((s) =>
    s.setName("preview").setDescription("Organizers: the next post, its text and length per network, and card"),
  )
  .addSubcommand((s) =>
    s.setName("pause").setDescription("Organizers: hold all posting, every network (milestones still queue)"),
  )
  .addSubcommand((s) => s.setName("resume").setDescription("Organizers: post again, and lift each network's hold"))
  .addSubcommand((s) =>
    s
      .setName("history")
      .setDescription("Organizers: posts and each network's delivery: posted (link), waiting, failed"),
  )
  .addSubcommand((s) =>
    s
      .setName("retry")
      .setDescription("Organizers: queue a failed post again (on each network where it failed)")
      .addStringOption((o) =>
        o
          .setName("post")
          .setDescription("Start typing to pick a failed post")
          .setRequired(true)
          .setAutocomplete(true)
          .setMaxLength(20),
      ),
  )
  .toJSON();

async function withCard(embed: EmbedBuilder, card: CardData, interaction: RepliableInteraction): Promise<Response> {
  // Drawing a card takes tens of milliseconds: acknowledge first, so a burst of /campaign status never holds an
  // interaction past Discord's 3 s. A card already drawn for these numbers is answered at once.
  if (!isCardCached(card)) await deferOnce(interaction);
  const png = await renderCardCached(card);
  return {
    embeds: [embed.setImage(`attachment://${CARD_FILE}`)],
    files: [new AttachmentBuilder(png, { name: CARD_FILE })],
  };
}

async function status(ctx: BotContext, interaction: RepliableInteraction): Promise<Response> {
  const { campaign, metrics } = await campaignNumbers(ctx.db);
  const amount = (cents: number) => formatMoney(cents, campaign.currency);
  const next = await nextMilestones(ctx.db);
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle(campaign.name)
    .addFields(
      {
        name: "Raised",
        value: `${amount(metrics.raised_cents)} of ${amount(campaign.goalCents)} (${formatCount(percentOf(metrics.raised_cents, campaign.goalCents))}%)`,
      },
      { name: "Going", value: formatCount(metrics.rsvps_going), inline: true },
      { name: "Volunteers", value: formatCount(metrics.volunteers), inline: true },
      {
        name: "Shifts filled",
        value: `${formatCount(metrics.shift_slots_filled)} of ${formatCount(metrics.shift_slots_total)}`,
        inline: true,
      },
      {
        name: "DJs in the lineup",
        value: `${formatCount(metrics.lineup_sets)} ${metrics.lineup_sets === 1 ? "set" : "sets"}`,
        inline: true,
      },
    );
  if (next.length)
    embed.addFields({
      name: "Next milestones",
      value: next
        .slice(0, 6)
        .map((m) => `${milestoneSummary(m, campaign.currency)}`)
        .join(" · "),
    });
  return withCard(embed, cardData(campaign, metrics), interaction);
}

async function setup(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response> {
  const goalCents = requireAmount(interaction.options.getString("goal", true), "the goal");
  const { campaign, created } = await setupCampaign(
    ctx.db,
    {
      name: interaction.options.getString("name", true),
      goalCents,
      currency: interaction.options.getString("currency"),
      hashtag: interaction.options.getString("hashtag"),
      userId: interaction.user.id,
    },
    ctx.now(),
    auditActor(interaction),
  );
  const goal = formatMoney(campaign.goalCents, campaign.currency);
  return {
    content: created
      ? `**${campaign.name}** is set up with a goal of ${goal}${campaign.hashtag ? ` and #${campaign.hashtag}` : ""}. Default milestones are in place (money at 25 to 200 %, RSVPs, volunteers): \`/campaign milestone list\`. Record money with \`/campaign raised\` or \`/campaign donation\`.`
      : `Updated: **${campaign.name}**, goal ${goal}${campaign.hashtag ? `, #${campaign.hashtag}` : ""}. Money milestones not reached yet follow the new goal.`,
  };
}

async function recordMoney(
  interaction: ChatInputCommandInteraction,
  ctx: BotContext,
  kind: "raised" | "donation",
): Promise<Response> {
  const note = interaction.options.getString("note");
  const change =
    kind === "raised"
      ? await setRaisedTotal(
          ctx.db,
          requireAmount(interaction.options.getString("total", true), "the total", { allowZero: true }),
          auditActor(interaction),
          note,
          ctx.now(),
        )
      : await addDonation(
          ctx.db,
          requireAmount(interaction.options.getString("amount", true), "a donation"),
          auditActor(interaction),
          note,
          ctx.now(),
        );
  const campaign = await requireCampaign(ctx.db);
  const amount = (cents: number) => formatMoney(cents, campaign.currency);
  return {
    content: `Total raised: ${amount(change.beforeCents)} → **${amount(change.afterCents)}** of ${amount(campaign.goalCents)} (${formatCount(percentOf(change.afterCents, campaign.goalCents))}%). Recorded with your name and the time.`,
  };
}

async function importFile(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response> {
  const campaign = await requireCampaign(ctx.db);
  const file = interaction.options.getAttachment("file", true);
  if (file.size > MAX_IMPORT_BYTES)
    throw new UserError(
      `That file is ${Math.ceil(file.size / 1024)} KB; exports up to ${MAX_IMPORT_BYTES / 1024} KB are read. Split it and import each part.`,
    );
  if (!/\.(csv|txt)$/i.test(file.name))
    throw new UserError("Attach the export as a .csv file, as the fundraising page downloads it.");
  await deferOnce(interaction); // downloading and reading the file may take longer than Discord's 3 s
  const response = await fetch(file.url).catch(() => null);
  if (!response?.ok) throw new UserError("I could not download the file from Discord. Try again in a moment.");
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_IMPORT_BYTES)
    throw new UserError(`That file is larger than ${MAX_IMPORT_BYTES / 1024} KB. Split it and import each part.`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UserError("That file is not UTF-8 text. Export it again as CSV (UTF-8).");
  }
  const preview = await previewImport(
    ctx.db,
    { text, fileName: file.name, userId: interaction.user.id, timeZone: ctx.config.CAMPAIGN_TIMEZONE },
    ctx.now(),
  );
  return importPreviewView(preview, campaign.currency);
}

async function sources(ctx: BotContext): Promise<Response> {
  const campaign = await requireCampaign(ctx.db);
  const [totals, metrics, ledger] = await Promise.all([sourceTotals(ctx.db), readMetrics(ctx.db), ledgerTotal(ctx.db)]);
  return sourcesView(totals, campaign.currency, metrics.raised_cents, ledger);
}

async function addMilestoneFromOptions(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response> {
  const campaign = await requireCampaign(ctx.db);
  const metric = interaction.options.getString("metric", true);
  const { threshold, percent } = parseThreshold(
    metric,
    interaction.options.getString("threshold", true),
    campaign.goalCents,
  );
  const added = await addMilestone(
    ctx.db,
    {
      metric,
      threshold,
      percent,
      template: interaction.options.getString("template"),
      userId: interaction.user.id,
      allowLinks: ctx.config.TWEET_ALLOW_LINKS,
      currency: campaign.currency,
      // Checked against every configured destination (Mastodon's limit is the instance's, read once).
      limits: interaction.options.getString("template") ? await ctx.publishers.textLimits() : {},
    },
    ctx.now(),
    auditActor(interaction),
  );
  return {
    content: `Milestone added: ${milestoneSummary(added, campaign.currency)}${added.template ? `, with your template (fits X's 280 with the largest values)` : ""}.`,
  };
}

async function list(ctx: BotContext): Promise<Response> {
  const campaign = await requireCampaign(ctx.db);
  const rows = await listMilestones(ctx.db);
  const mark: Record<string, string> = { open: "○", reached: "✅ posted", passed: "↷ passed over" };
  const lines = rows.map(
    (m) =>
      `${mark[m.status] ?? m.status} ${milestoneSummary(m, campaign.currency)}${m.template ? " · own template" : ""}`,
  );
  let body = "";
  for (const [i, line] of lines.entries()) {
    if (body.length + line.length > 3_800) {
      body += `\n…and ${lines.length - i} more`;
      break;
    }
    body += `${line}\n`;
  }
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle("Milestones")
    .setDescription(body || "None yet. Add one with /campaign milestone add.")
    .setFooter({
      text: `Placeholders for templates: ${Object.keys(PLACEHOLDERS)
        .map((p) => `{${p}}`)
        .join(" ")}`,
    });
  return { embeds: [embed] };
}

async function preview(ctx: BotContext, interaction: RepliableInteraction): Promise<Response> {
  const { campaign, metrics } = await campaignNumbers(ctx.db);
  const row = await nextWaitingTweet(ctx.db);
  const now = ctx.now();
  const [tick] = nextCronRuns(ctx.config.TWEET_CRON, ctx.config.CAMPAIGN_TIMEZONE, now);
  if (!row) {
    const next = await nextMilestones(ctx.db);
    const embed = new EmbedBuilder()
      .setColor(COLORS.campaign)
      .setTitle("Nothing is waiting to be posted")
      .setDescription(
        next.length
          ? `Next milestones: ${next.map((m) => `${milestoneSummary(m, campaign.currency)}`).join(" · ")}`
          : "No open milestones.",
      );
    return withCard(embed, cardData(campaign, metrics), interaction);
  }
  const holds = [
    campaign.pausedReason ? "paused by an organizer; /campaign resume" : "",
    inQuietHours(now, ctx.config.TWEET_QUIET_HOURS, ctx.config.CAMPAIGN_TIMEZONE)
      ? `quiet hours (${ctx.config.TWEET_QUIET_HOURS})`
      : "",
    row.notBefore > now ? `retrying ${discordTime(row.notBefore, "R")}` : "",
  ].filter(Boolean);
  const { destinations, byNetwork } = ctx.publishers;
  const perNetwork = await previewLines(
    ctx.db,
    row.text,
    destinations,
    !byNetwork.x,
    await ctx.publishers.textLimits(),
    now,
  );
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle(`Next post (${row.kind})`)
    .setDescription(row.text)
    .addFields(
      { name: "Goes to, with the card and its alt text", value: perNetwork.join("\n") },
      { name: "Next run", value: tick ? discordTime(tick, "R") : "not scheduled", inline: true },
    );
  if (holds.length) embed.addFields({ name: "Held", value: holds.join("\n") });
  return withCard(embed, parseCard(row), interaction);
}

/** /campaign retry: a failed post back in the queue on each network where it failed, once (src/x/deliveries.ts requeueFailedPost). */
async function retry(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response> {
  const raw = interaction.options.getString("post", true);
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id)) throw new UserError("Pick a failed post from the list as you type.");
  const row = await requeueFailedPost(ctx.db, id, ctx.now(), ctx.config.TWEET_RETRY_HOURS, auditActor(interaction));
  if (!row)
    throw new UserError(
      "That post is not waiting for a retry: it was queued again already, or it is not a failed post. /campaign history shows where it stands.",
      "conflict",
    );
  return {
    content: `Queued again: "${row.text.slice(0, 200)}". It goes out at the next posting run, and is retried for up to ${ctx.config.TWEET_RETRY_HOURS} hours if a network is unwell.`,
  };
}

async function history(ctx: BotContext): Promise<Response> {
  const rows = await recentTweets(ctx.db, 10);
  const lines = await historyLines(ctx.db, rows);
  const embed = new EmbedBuilder()
    .setColor(COLORS.campaign)
    .setTitle("Posts, newest first, with each network's delivery")
    .setDescription(
      lines.join("\n").slice(0, 4000) ||
        "Nothing yet: posts appear here when a milestone is reached or a digest is due.",
    );
  return { embeds: [embed] };
}

const campaign: CommandModule = {
  data,
  help: [
    { usage: "/campaign status", summary: "money raised, RSVPs, volunteers and the lineup, with the progress card" },
    {
      usage: "/campaign setup name goal [currency] [hashtag]",
      summary: "start the campaign or change its goal",
      organizer: true,
    },
    {
      usage: "/campaign raised total [note]",
      summary: "set the running total from the fundraising page",
      organizer: true,
    },
    { usage: "/campaign donation amount [note]", summary: "add a donation to the total", organizer: true },
    {
      usage: "/campaign import file",
      summary: "add donations from a GoFundMe, Givebutter or Donorbox export",
      organizer: true,
    },
    { usage: "/campaign sources | donations", summary: "money per source; the latest donations", organizer: true },
    { usage: "/campaign milestone add|list|remove", summary: "the numbers posted when reached", organizer: true },
    {
      usage: "/campaign preview",
      summary: "the next post, its length on each network, with its card",
      organizer: true,
    },
    { usage: "/campaign pause | resume", summary: "hold or restart posting (every network)", organizer: true },
    {
      usage: "/campaign history",
      summary: "posts and each network's delivery: posted, waiting, failed",
      organizer: true,
    },
    {
      usage: "/campaign retry post",
      summary: "queue a failed post again, on each network where it failed",
      organizer: true,
    },
  ],
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    const group = interaction.options.getSubcommandGroup(false);
    if (sub === "status") return status(ctx, interaction);
    requireOrganizer(interaction, ctx.config);
    if (group === "milestone") {
      if (sub === "add") return addMilestoneFromOptions(interaction, ctx);
      if (sub === "list") return list(ctx);
      const id = parseId(interaction.options.getString("milestone", true));
      if (id === null) throw new UserError("Pick a milestone from the list as you type.");
      const { currency } = await requireCampaign(ctx.db);
      const removed = await removeMilestone(ctx.db, id, ctx.now(), auditActor(interaction), currency);
      return { content: `Removed the milestone: ${milestoneSummary(removed, currency)}.` };
    }
    switch (sub) {
      case "setup":
        return setup(interaction, ctx);
      case "raised":
      case "donation":
        return recordMoney(interaction, ctx, sub);
      case "preview":
        return preview(ctx, interaction);
      case "pause":
        await requireCampaign(ctx.db);
        return {
          content: (await pausePosting(ctx.db, auditActor(interaction), ctx.now()))
            ? "Posting is paused on every network. Milestones still queue; `/campaign resume` sends them."
            : "Posting was already paused. `/campaign resume` restarts it.",
        };
      case "resume":
        await resumePosting(ctx.db, ctx.now(), auditActor(interaction));
        return {
          content:
            "Posting resumes at the next scheduled run, on every configured network (a network paused for refused credentials is tried again too). `/campaign preview` shows what goes first.",
        };
      case "history":
        return history(ctx);
      case "retry":
        return retry(interaction, ctx);
      case "import":
        return importFile(interaction, ctx);
      case "sources":
        return sources(ctx);
      case "donations":
        return donationsView(await latestDonations(ctx.db, 15));
      default:
        throw new UserError("That subcommand is no longer available. Type /campaign to see the current ones.", "stale");
    }
  },
  components: {
    // Confirm / Cancel under an import preview: organizers only, checked again here (buttons carry no rights).
    async [IMPORT_PREFIX](interaction, id, ctx) {
      requireOrganizer(interaction, ctx.config);
      const importId = Number(id.args[0]);
      if (!Number.isSafeInteger(importId) || (id.action !== "confirm" && id.action !== "cancel"))
        return { content: NO_LONGER_ACTIVE };
      if (id.action === "cancel") {
        const cancelled = await cancelImport(ctx.db, importId, ctx.now(), auditActor(interaction));
        return {
          kind: "update",
          message: {
            content: cancelled
              ? "Import cancelled: nothing was added."
              : "This import was already confirmed or cancelled.",
            embeds: [],
            components: [],
          },
        };
      }
      await deferOnce(interaction);
      const result = await confirmImport(ctx.db, importId, ctx.now(), auditActor(interaction));
      const { currency } = await requireCampaign(ctx.db);
      return { kind: "update", message: { content: importResultText(result, currency), embeds: [], components: [] } };
    },
  },
  async autocomplete(interaction, ctx) {
    if (!isOrganizer(interaction, ctx.config)) return [];
    const typed = interaction.options.getFocused().toLowerCase();
    if (interaction.options.getSubcommand() === "retry") {
      const failed = await failedTweets(ctx.db, 100);
      return failed
        .map((r) => ({ name: `${r.kind} #${r.id}: ${r.text}`.slice(0, 100), value: String(r.id) }))
        .filter((c) => c.name.toLowerCase().includes(typed))
        .slice(0, 25);
    }
    if (interaction.options.getSubcommand() !== "remove") return [];
    const campaign = await requireCampaign(ctx.db).catch(() => null);
    const open = await openMilestones(ctx.db);
    return open
      .map((m) => ({
        name: `${milestoneSummary(m, campaign?.currency ?? "USD")}${m.template ? " (own template)" : ""}`.slice(0, 100),
        value: String(m.id),
      }))
      .filter((c) => c.name.toLowerCase().includes(typed))
      .slice(0, 25);
  },
};

export default campaign;
