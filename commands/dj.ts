// /dj: DJs offer sets, organizers review them and build the lineup, members request tracks and vote.
// Handlers stay thin: read the options, call one service, render with src/discord/views/dj.ts.
import { SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from "discord.js";
import { notifyOrganizers, postReview, refreshReviewPost } from "../src/discord/notices.js";
import { UserError, NO_LONGER_ACTIVE } from "../src/errors.js";
import { idArg, pageArg } from "../src/discord/ids.js";
import { parseId } from "../src/services/ids.js";
import { auditActor } from "../src/discord/members.js";
import { isOrganizer, requireOrganizer } from "../src/discord/permissions.js";
import { claimPublicPost } from "../src/discord/publicPosts.js";
import type { AutocompleteChoice, BotContext, CommandModule, Response } from "../src/discord/types.js";
import {
  DJ_PREFIXES,
  lineupEmbed,
  offerModal,
  queueView,
  reviewMessage,
  setChoiceName,
} from "../src/discord/views/dj.js";
import { showMemberText } from "../src/discord/views/text.js";
import {
  approvedOffers,
  createOffer,
  pendingOffers,
  reviewOffer,
  withdrawable,
  withdrawOffer,
} from "../src/services/djs.js";
import {
  currentOrNextSet,
  getSet,
  lineup,
  openSets,
  parseSlot,
  placeSet,
  STAGE_MAX,
  stageNames,
  withdrawSet,
} from "../src/services/lineup.js";
import { dayRange, discordTime, plainTime } from "../src/services/time.js";
import {
  ARTIST_MAX,
  closableRequests,
  closeRequest,
  queuePage,
  requestTrack,
  TITLE_MAX,
  toggleVote,
} from "../src/services/trackRequests.js";

const data = new SlashCommandBuilder()
  .setName("dj")
  .setDescription("DJ sets: offer one, see the lineup, request tracks and vote")
  .setDMPermission(false)
  .addSubcommand((s) => s.setName("offer").setDescription("Offer to play a set (opens a short form)"))
  .addSubcommand((s) =>
    s
      .setName("withdraw")
      .setDescription("Withdraw your offer or one of your sets")
      .addStringOption((o) =>
        o.setName("what").setDescription("Your offer or set").setRequired(true).setAutocomplete(true),
      ),
  )
  .addSubcommand((s) => s.setName("review").setDescription("Organizers: the oldest DJ offer waiting for a decision"))
  .addSubcommandGroup((g) =>
    g
      .setName("lineup")
      .setDescription("The lineup of sets")
      .addSubcommand((s) =>
        s
          .setName("set")
          .setDescription("Organizers: place an approved DJ in a time slot")
          .addIntegerOption((o) =>
            o.setName("offer").setDescription("An approved DJ").setRequired(true).setAutocomplete(true),
          )
          .addStringOption((o) =>
            o
              .setName("starts")
              .setDescription("Start, e.g. 2026-12-05 20:00 or friday 8pm (campaign time zone)")
              .setRequired(true)
              .setMaxLength(60),
          )
          .addStringOption((o) =>
            o
              .setName("ends")
              .setDescription("End time, or a length in minutes such as 90")
              .setRequired(true)
              .setMaxLength(60),
          )
          .addStringOption((o) =>
            o
              .setName("stage")
              .setDescription("Stage (default: Main stage)")
              .setMaxLength(STAGE_MAX)
              .setAutocomplete(true),
          ),
      )
      .addSubcommand((s) =>
        s
          .setName("show")
          .setDescription("The lineup, in your own time zone")
          .addStringOption((o) =>
            o.setName("day").setDescription("A day, e.g. 2026-12-05 or saturday").setMaxLength(60),
          ),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("request")
      .setDescription("Request a track for a set (the one playing now or next, unless you pick one)")
      .addStringOption((o) =>
        o.setName("title").setDescription("Track title").setRequired(true).setMaxLength(TITLE_MAX),
      )
      .addStringOption((o) => o.setName("artist").setDescription("Artist").setRequired(true).setMaxLength(ARTIST_MAX))
      .addIntegerOption((o) =>
        o.setName("set").setDescription("The set (default: playing now, else next)").setAutocomplete(true),
      )
      .addBooleanOption((o) => o.setName("notify").setDescription("Get a DM when it is played")),
  )
  .addSubcommand((s) =>
    s
      .setName("queue")
      .setDescription("The requests for a set, most votes first, with Upvote buttons")
      .addIntegerOption((o) =>
        o.setName("set").setDescription("The set (default: playing now, else next)").setAutocomplete(true),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("played")
      .setDescription("DJ of the set or organizers: mark a request played (tells who asked)")
      .addIntegerOption((o) =>
        o.setName("request").setDescription("A queued request").setRequired(true).setAutocomplete(true),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("skip")
      .setDescription("DJ of the set or organizers: take a request off the queue")
      .addIntegerOption((o) =>
        o.setName("request").setDescription("A queued request").setRequired(true).setAutocomplete(true),
      ),
  )
  .toJSON();

/** An id option filled from autocomplete: any other number (a modified client's 1e15) is refused in words. */
function idOption<T extends number | null>(value: T, what: string): T {
  if (value !== null && parseId(value) === null)
    throw new UserError(`Pick a ${what} from the list that appears as you type.`);
  return value;
}

const actor = (interaction: Parameters<typeof isOrganizer>[0], ctx: BotContext) => ({
  userId: interaction.user.id,
  organizer: isOrganizer(interaction, ctx.config),
});
const cut = (text: string) => (text.length > 100 ? `${text.slice(0, 99)}…` : text);

async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<Response> {
  const sub = interaction.options.getSubcommand();
  const group = interaction.options.getSubcommandGroup(false);
  const now = ctx.now();
  if (group === "lineup" && sub === "set") return placeInLineup(interaction, ctx, now);
  if (group === "lineup") {
    const day = interaction.options.getString("day");
    const sets = await lineup(ctx.db, day ? dayRange(day, ctx.config.CAMPAIGN_TIMEZONE, now) : null, now);
    // Public where members talk, at most once per channel and day asked every few minutes; else for the member alone.
    const open = claimPublicPost(interaction, `lineup:${day ?? ""}`, now).ok;
    return { embeds: [lineupEmbed(sets, now, ctx.config.CAMPAIGN_TIMEZONE, day ?? undefined)], ephemeral: !open };
  }
  switch (sub) {
    case "offer":
      return { kind: "modal", modal: offerModal() };
    case "withdraw":
      return withdraw(interaction, ctx, now);
    case "review": {
      requireOrganizer(interaction, ctx.config);
      const [offer] = await pendingOffers(ctx.db, 1);
      if (!offer) return { content: "No DJ offers are waiting for review." };
      return { content: "The oldest offer waiting for review:", ...reviewMessage(offer) };
    }
    case "request": {
      const result = await requestTrack(
        ctx.db,
        ctx.config,
        {
          userId: interaction.user.id,
          title: interaction.options.getString("title", true),
          artist: interaction.options.getString("artist", true),
          setId: idOption(interaction.options.getInteger("set"), "set"),
          notify: interaction.options.getBoolean("notify") ?? false,
        },
        now,
      );
      const track = `**${showMemberText(result.request.title)}** by ${showMemberText(result.request.artist)}`;
      const where = `${showMemberText(result.set.djName, 60)}'s set (${showMemberText(result.set.stage, 40)}, ${result.set.startsAt <= now ? "playing now" : discordTime(result.set.startsAt, "R")})`;
      const notify = interaction.options.getBoolean("notify") ? " You will get a DM when it is played." : "";
      return result.kind === "new"
        ? { content: `Requested ${track} for ${where}.${notify} See the queue with /dj queue.` }
        : {
            content: `${track} was already requested for ${where}, so your request counts as a vote: ${result.request.votes} votes now.${notify}`,
          };
    }
    case "queue": {
      const setId = idOption(interaction.options.getInteger("set"), "set");
      const set = setId ? await getSet(ctx.db, setId) : await currentOrNextSet(ctx.db, now);
      if (!set)
        throw new UserError(
          setId
            ? "That set is not in the lineup. Pick one from the list."
            : "No set is playing or coming up yet. See /dj lineup show.",
          "not_found",
        );
      return queueView(set, await queuePage(ctx.db, set.id, 0), now);
    }
    case "played":
    case "skip": {
      const outcome = sub === "played" ? "played" : "skipped";
      const { request, notified } = await closeRequest(
        ctx.db,
        actor(interaction, ctx),
        idOption(interaction.options.getInteger("request", true), "request")!,
        outcome,
        now,
      );
      ctx.wakeDmQueue();
      const told = notified ? ` ${notified} member${notified === 1 ? "" : "s"} who asked will get a DM.` : "";
      return {
        content: `Marked **${showMemberText(request.title)}** by ${showMemberText(request.artist)} ${outcome}.${told}`,
      };
    }
    default:
      return { content: "This command is no longer available. Type /dj to see the current ones." };
  }
}

async function placeInLineup(interaction: ChatInputCommandInteraction, ctx: BotContext, now: Date): Promise<Response> {
  requireOrganizer(interaction, ctx.config);
  const slot = parseSlot(
    interaction.options.getString("starts", true),
    interaction.options.getString("ends", true),
    ctx.config.CAMPAIGN_TIMEZONE,
    now,
  );
  const set = await placeSet(
    ctx.db,
    {
      offerId: idOption(interaction.options.getInteger("offer", true), "offer")!,
      stage: interaction.options.getString("stage"),
      ...slot,
    },
    now,
    auditActor(interaction),
  );
  ctx.wakeDmQueue();
  return {
    content: `Placed **${showMemberText(set.offer.djName, 60)}** on ${showMemberText(set.stage, 40)}: ${discordTime(set.startsAt, "F")} to ${discordTime(set.endsAt, "t")} (read in ${ctx.config.CAMPAIGN_TIMEZONE}). The DJ gets a DM.`,
  };
}

async function withdraw(interaction: ChatInputCommandInteraction, ctx: BotContext, now: Date): Promise<Response> {
  const [kind, idText] = interaction.options.getString("what", true).split(":");
  const id = parseId(idText);
  if (id === null || (kind !== "offer" && kind !== "set"))
    throw new UserError("Pick your offer or set from the list that /dj withdraw shows.");
  const who = `<@${interaction.user.id}>`;
  if (kind === "offer") {
    const { offer, sets } = await withdrawOffer(ctx.db, interaction.user.id, id, now);
    refreshReviewPost(ctx, offer.id);
    const setsText = sets.length ? ` and ${sets.length} set${sets.length === 1 ? "" : "s"} in the lineup` : "";
    void notifyOrganizers(ctx, `${who} withdrew their DJ offer (${showMemberText(offer.djName, 60)})${setsText}.`);
    return {
      content: `Your offer${setsText} ${sets.length ? "are" : "is"} withdrawn. The organizers have been told. Thank you for offering!`,
    };
  }
  const set = await withdrawSet(ctx.db, interaction.user.id, id, now);
  void notifyOrganizers(
    ctx,
    `${who} (${showMemberText(set.offer.djName, 60)}) withdrew their set on ${showMemberText(set.stage, 40)}, ${discordTime(set.startsAt, "F")}. The slot is free.`,
  );
  return {
    content: `Your set on ${showMemberText(set.stage, 40)} at ${discordTime(set.startsAt, "F")} is withdrawn; the organizers have been told. Your offer stays approved.`,
  };
}

async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<AutocompleteChoice[]> {
  const focused = interaction.options.getFocused(true);
  const query = String(focused.value).trim();
  const now = ctx.now();
  const tz = ctx.config.CAMPAIGN_TIMEZONE;
  const sub = interaction.options.getSubcommand();
  if (focused.name === "what") {
    const offer = await withdrawable(ctx.db, interaction.user.id, now);
    if (!offer) return [];
    return [
      {
        name: cut(
          `Offer: ${offer.djName} (${offer.status})${offer.sets.length ? `, with its ${offer.sets.length} set(s)` : ""}`,
        ),
        value: `offer:${offer.id}`,
      },
      ...offer.sets.map((s) => ({ name: cut(`Set: ${s.stage}, ${plainTime(s.startsAt, tz)}`), value: `set:${s.id}` })),
    ].slice(0, 25);
  }
  if (focused.name === "offer") {
    if (!isOrganizer(interaction, ctx.config)) return [];
    const offers = await approvedOffers(ctx.db, query);
    return offers.map((o) => ({
      name: cut(`${o.djName} · ${o.minutes} min offered · ${o._count.sets} set(s) placed`),
      value: o.id,
    }));
  }
  if (focused.name === "stage") {
    const names = (await stageNames(ctx.db)).filter((n) => n.toLowerCase().includes(query.toLowerCase()));
    const typed =
      query && !names.some((n) => n.toLowerCase() === query.toLowerCase()) ? [query.slice(0, STAGE_MAX)] : [];
    return [...typed, ...(names.length || query ? names : ["Main stage"])]
      .slice(0, 25)
      .map((n) => ({ name: n, value: n }));
  }
  if (focused.name === "set") {
    const sets = await openSets(ctx.db, now, query);
    return sets.map((s) => ({ name: setChoiceName(s, tz, now), value: s.id }));
  }
  if (focused.name === "request" && (sub === "played" || sub === "skip")) {
    const requests = await closableRequests(ctx.db, actor(interaction, ctx), query, now);
    return requests.map((r) => ({
      name: cut(`${r.title} — ${r.artist} · ${r.votes} vote(s) · ${r.set.offer.djName}`),
      value: r.id,
    }));
  }
  return [];
}

const dj: CommandModule = {
  data,
  help: [
    { usage: "/dj offer", summary: "offer to play a DJ set; organizers review it and you get a DM" },
    { usage: "/dj withdraw what", summary: "withdraw your offer or one of your sets" },
    { usage: "/dj lineup show [day]", summary: "the lineup, in your own time zone, with the set playing now" },
    {
      usage: "/dj request title artist [set] [notify]",
      summary: "request a track; the same track again counts as a vote",
    },
    { usage: "/dj queue [set]", summary: "the requests, most votes first; press a number to upvote" },
    { usage: "/dj played request · /dj skip request", summary: "DJ of the set: mark a request played or skipped" },
    { usage: "/dj review", summary: "the oldest DJ offer waiting for a decision", organizer: true },
    {
      usage: "/dj lineup set offer starts ends [stage]",
      summary: "place an approved DJ in a slot (no overlaps per stage)",
      organizer: true,
    },
  ],
  execute,
  autocomplete,
  components: {
    // Approve / Decline: organizers only, checked here on the server side (buttons carry no permissions).
    async [DJ_PREFIXES.review](interaction, id, ctx) {
      requireOrganizer(interaction, ctx.config);
      if (id.action !== "approve" && id.action !== "decline") return { content: NO_LONGER_ACTIVE };
      const offerId = idArg(id.args[0], "offer");
      const offer = await reviewOffer(ctx.db, offerId, id.action, ctx.now(), auditActor(interaction));
      ctx.wakeDmQueue();
      // Reviewed from /dj review: the channel post shows the decision too.
      if (offer.reviewMessageId !== interaction.message.id) refreshReviewPost(ctx, offer.id);
      return { kind: "update", message: reviewMessage(offer) };
    },
    async [DJ_PREFIXES.queue](interaction, id, ctx) {
      const now = ctx.now();
      const [first = "", second = "0"] = id.args;
      let setId = id.action === "page" ? idArg(first, "set") : 0;
      let page = pageArg(second);
      let content = "";
      if (id.action === "vote") {
        const vote = await toggleVote(ctx.db, interaction.user.id, idArg(first, "request"), now);
        setId = vote.setId;
        content = vote.voted
          ? `Your vote for **${showMemberText(vote.title)}** counts (${vote.votes} in all). Press again to take it back.`
          : `You took back your vote for **${showMemberText(vote.title)}**.`;
      } else if (id.action !== "page") {
        return { content: NO_LONGER_ACTIVE };
      }
      const set = Number.isInteger(setId) ? await getSet(ctx.db, setId) : null;
      if (!set) return { content: NO_LONGER_ACTIVE };
      page = Number.isInteger(page) ? page : 0;
      return { kind: "update", message: { content, ...queueView(set, await queuePage(ctx.db, set.id, page), now) } };
    },
  },
  modals: {
    async [DJ_PREFIXES.offer](interaction, _id, ctx) {
      const field = (name: string) => interaction.fields.getTextInputValue(name) ?? "";
      const offer = await createOffer(
        ctx.db,
        interaction.user.id,
        {
          djName: field("djName"),
          genres: field("genres"),
          minutes: field("minutes"),
          links: field("links"),
          note: field("note"),
        },
        ctx.now(),
      );
      // Posted after the answer: the member's reply does not wait on a second Discord call.
      void postReview(ctx, offer);
      return {
        content: `Thank you! Your offer to play as **${showMemberText(offer.djName, 60)}** (${offer.minutes} minutes) is with the organizers. You will get a DM when they decide.`,
      };
    },
  },
};

export default dj;
