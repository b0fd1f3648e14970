// DJ sets end to end: the real bot process against the Discord emulator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, lumen: Member, ben: Member, chloe: Member, dev: Member, eli: Member, fatima: Member;

beforeAll(async () => {
  stack = await startStack();
  const d = stack.discord;
  ava = d.addMember({ username: "ava", organizer: true });
  lumen = d.addMember({ username: "lumen" });
  ben = d.addMember({ username: "ben" });
  chloe = d.addMember({ username: "chloe" });
  dev = d.addMember({ username: "dev" });
  eli = d.addMember({ username: "eli" });
  fatima = d.addMember({ username: "fatima" });
});
afterAll(async () => stack?.close());

const dj = (
  member: Member,
  subcommand: string,
  options: Record<string, string | number | boolean> = {},
  group?: string,
) => stack.discord.runCommand(member, "dj", options, { subcommand, ...(group ? { group } : {}) });
const customIds = (r: InteractionResult) =>
  r.components.flatMap((row: any) => row.components.map((c: any) => c.custom_id as string));
const description = (r: InteractionResult) =>
  String(r.message?.embeds[0]?.description ?? r.embeds[0]?.description ?? "");

describe("/dj end to end", () => {
  let offerId = 0;

  it("takes an offer through the modal and posts it for review, text escaped and never pinging", async () => {
    const shown = await dj(lumen, "offer");
    expect(shown.modal).toMatchObject({ custom_id: "djoffer:submit", title: "Offer a DJ set" });
    const submitted = await stack.discord.submitModal(lumen, "djoffer:submit", {
      djName: "DJ *Lumen* @everyone",
      genres: "disco, house",
      minutes: "90",
      links: "https://example.com/lumen",
      note: "Free set, **with joy**.",
    });
    expect(submitted.ephemeral).toBe(true);
    expect(submitted.content).toContain("DJ \\*Lumen\\* @everyone");
    const review = await stack.discord.waitFor(() =>
      stack.discord.messages(stack.discord.guild.channels.review).find((m) => m.embeds[0]?.title?.includes("Lumen")),
    );
    expect(review.embeds[0].title).toBe("DJ offer: DJ \\*Lumen\\* @everyone");
    expect(JSON.stringify(review.embeds[0].fields)).toContain("\\\\*\\\\*with joy\\\\*\\\\*");
    expect(review.allowed_mentions).toEqual({ parse: [] });
    offerId = (await stack.db.djOffer.findFirstOrThrow({ where: { userId: lumen.id } })).id;
    expect(review.components[0].components.map((c: any) => c.custom_id)).toEqual([
      `djreview:approve:${offerId}`,
      `djreview:decline:${offerId}`,
    ]);

    const refusedModal = await dj(lumen, "offer");
    const again = await stack.discord.submitModal(lumen, refusedModal.modal.custom_id, {
      djName: "Again",
      genres: "x",
      minutes: "60",
    });
    expect(again.content).toMatch(/already have an offer/);
  });

  it("refuses the review buttons to a member, accepts them from an organizer, and DMs the DJ", async () => {
    const review = stack.discord
      .messages(stack.discord.guild.channels.review)
      .find((m) => m.embeds[0]?.title?.includes("Lumen"))!;
    const refused = await stack.discord.clickButton(ben, review, `djreview:approve:${offerId}`);
    expect(refused.ephemeral).toBe(true);
    expect(refused.content).toMatch(/Only organizers/);
    expect((await stack.db.djOffer.findUniqueOrThrow({ where: { id: offerId } })).status).toBe("pending");

    const approved = await stack.discord.clickButton(ava, review, `djreview:approve:${offerId}`);
    expect(approved.callbackType).toBe(7);
    expect(JSON.stringify(approved.message?.embeds)).toContain("Approved by <@");
    expect(approved.message?.components).toEqual([]);
    expect((await stack.db.djOffer.findUniqueOrThrow({ where: { id: offerId } })).status).toBe("approved");
    const dm = await stack.discord.waitFor(() =>
      stack.discord.dms(lumen.id).find((m) => m.content.includes("was approved")),
    );
    expect(dm.allowed_mentions).toEqual({ parse: [] });
  });

  it("places the DJ in the lineup (autocomplete, organizer only) and shows the set playing now", async () => {
    const choices = await stack.discord.autocomplete(ava, "dj", {}, "offer", { group: "lineup", subcommand: "set" });
    const choice = choices.find((c) => c.name.includes("Lumen"))!;
    expect(choice.value).toBe(offerId);
    expect(await stack.discord.autocomplete(ben, "dj", {}, "offer", { group: "lineup", subcommand: "set" })).toEqual(
      [],
    );

    const starts = new Date(Date.now() - 10 * 60_000).toISOString();
    const byMember = await dj(ben, "set", { offer: offerId, starts, ends: "120" }, "lineup");
    expect(byMember.content).toMatch(/Only organizers/);
    const placed = await dj(ava, "set", { offer: offerId, starts, ends: "120", stage: "Main stage" }, "lineup");
    expect(placed.content).toMatch(/Placed \*\*DJ \\\*Lumen\\\* @everyone\*\* on Main stage/);
    const overlap = await dj(ava, "set", { offer: offerId, starts, ends: "30" }, "lineup");
    expect(overlap.content).toMatch(/overlaps/);
    await stack.discord.waitFor(() =>
      stack.discord.dms(lumen.id).find((m) => m.content.includes("You are in the lineup")),
    );

    const show = await dj(ben, "show", {}, "lineup");
    expect(show.ephemeral).toBe(false);
    expect(description(show)).toMatch(/Playing now.*DJ \\\*Lumen\\\*/);
  });

  it("queues a request, turns a matching one into a vote, and enforces the cooldown", async () => {
    const first = await dj(ben, "request", { title: "September", artist: "Earth, Wind & Fire", notify: true });
    expect(first.content).toMatch(/^Requested \*\*September\*\* by Earth, Wind & Fire/);
    const dup = await dj(chloe, "request", { title: "september!", artist: "Earth Wind and Fire feat. Someone" });
    expect(dup.content).toMatch(/already requested.*counts as a vote: 2 votes/);
    await dj(dev, "request", { title: "Le Freak", artist: "Chic" });
    const tooSoon = await dj(ben, "request", { title: "Good Times", artist: "Chic" });
    expect(tooSoon.ephemeral).toBe(true);
    expect(tooSoon.content).toMatch(/One request every 2 minutes.*<t:\d+:R>/);
    expect(await stack.db.trackRequest.count()).toBe(2);
  });

  it("shows the queue by votes, and the Upvote button toggles", async () => {
    const queue = await dj(eli, "queue");
    expect(description(queue).indexOf("September")).toBeLessThan(description(queue).indexOf("Le Freak"));
    const freak = await stack.db.trackRequest.findFirstOrThrow({ where: { title: "Le Freak" } });
    const voteId = `djqueue:vote:${freak.id}:0`;
    expect(customIds(queue)).toContain(voteId);

    const voted = await stack.discord.clickButton(eli, queue, voteId);
    expect(voted.content).toMatch(/Your vote for \*\*Le Freak\*\* counts \(2 in all\)/);
    const undone = await stack.discord.clickButton(eli, voted, voteId);
    expect(undone.content).toMatch(/took back your vote/);
    await stack.discord.clickButton(eli, undone, voteId);
    const fatimaQueue = await dj(fatima, "queue");
    const after = await stack.discord.clickButton(fatima, fatimaQueue, voteId);
    // Le Freak: dev, eli, fatima = 3; September: ben, chloe = 2.
    expect(description(after).indexOf("Le Freak")).toBeLessThan(description(after).indexOf("September"));
    expect(description(after)).toMatch(/Le Freak — Chic · 3 votes/);
  });

  it("lets the set's DJ mark a track played, refuses others, and DMs who asked to be told", async () => {
    const september = await stack.db.trackRequest.findFirstOrThrow({ where: { title: "September" } });
    const options = await stack.discord.autocomplete(lumen, "dj", {}, "request", { subcommand: "played" });
    expect(options.map((o) => o.value)).toContain(september.id);
    const refused = await dj(chloe, "played", { request: september.id });
    expect(refused.content).toMatch(/Only the DJ of this set or an organizer/);
    const played = await dj(lumen, "played", { request: september.id });
    expect(played.content).toMatch(
      /Marked \*\*September\*\* by Earth, Wind & Fire played\. 1 member who asked will get a DM/,
    );
    const dm = await stack.discord.waitFor(() =>
      stack.discord.dms(ben.id).find((m) => m.content.startsWith("Now playing: September")),
    );
    expect(dm.allowed_mentions).toEqual({ parse: [] });
    expect(stack.discord.dms(chloe.id)).toEqual([]);
  });

  it("lets the DJ withdraw, tells the organizers, and keeps the counters in step", async () => {
    const choices = await stack.discord.autocomplete(lumen, "dj", {}, "what", { subcommand: "withdraw" });
    const offerChoice = choices.find((c) => String(c.value).startsWith("offer:"))!;
    const done = await dj(lumen, "withdraw", { what: offerChoice.value });
    expect(done.content).toMatch(/withdrawn/);
    await stack.discord.waitFor(() =>
      stack.discord
        .messages(stack.discord.guild.channels.review)
        .find((m) => m.content.includes("withdrew their DJ offer")),
    );
    // The review post shows the new state (edited through the coalescer, so within a few seconds).
    const post = stack.discord
      .messages(stack.discord.guild.channels.review)
      .find((m) => m.embeds[0]?.title?.includes("Lumen"))!;
    await stack.discord.waitFor(
      () => JSON.stringify(stack.discord.message(post.id)?.embeds).includes("Withdrawn by the DJ"),
      10_000,
    );
    const metrics = Object.fromEntries((await stack.db.metric.findMany()).map((m) => [m.name, m.value]));
    expect(metrics).toMatchObject({
      djs_approved: 0,
      lineup_sets: 0,
      lineup_minutes: 0,
      track_requests: 2,
      track_votes: 3,
    });
  });
});
