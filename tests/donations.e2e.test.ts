// Donations end to end: payloads signed by the providers' own libraries (stripe's generateTestHeaderString,
// the standardwebhooks signer, Ko-fi's documented form) posted to the real bot process. The total moves by
// each amount once, replays and forgeries change nothing, a refund subtracts, a private Ko-fi donor is never
// named, the milestone at the crossing goes out once, and a burst of 200 leaves the exact sum.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member, OptionValue } from "../src/sandbox/discord/index.js";
import {
  checkoutSession,
  kofiRequest,
  newStandardSecret,
  refundedCharge,
  standardRequest,
  stripeRequest,
  type SignedRequest,
} from "../src/sandbox/donations.js";
import { httpUrl, request } from "./support/http.js";
import { startStack, type Stack } from "./support/stack.js";

const STRIPE_SECRET = "whsec_e2e_stripe_signing_secret";
const KOFI_TOKEN = "kofi-e2e-verification-token";
const STANDARD_SECRET = newStandardSecret();

let stack: Stack;
let base: string;
let ava: Member;
let thanks: string;

beforeAll(async () => {
  stack = await startStack({
    env: (guild) => ({
      DONATION_CHANNEL_ID: guild.channels.general,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      KOFI_VERIFICATION_TOKEN: KOFI_TOKEN,
      DONATION_WEBHOOK_SECRET: STANDARD_SECRET,
      TWEET_CRON: "*/2 * * * * *",
    }),
  });
  base = await httpUrl(stack.bot);
  thanks = stack.discord.guild.channels.general;
  ava = stack.discord.addMember({ username: "ava", organizer: true });
});
afterAll(async () => stack?.close());

// The bot's own clock: the test and the bot process share it (and libfaketime's shift, when CI moves it).
const now = () => new Date();
const send = (r: SignedRequest, localAddress?: string) =>
  request(`${base}${r.path}`, { method: "POST", headers: r.headers, body: r.body, localAddress });
const raised = async () => (await stack.db.metric.findUnique({ where: { name: "raised_cents" } }))?.value ?? 0;
const campaign = (subcommand: string, options: Record<string, OptionValue> = {}) =>
  stack.discord.runCommand(ava, "campaign", options, { subcommand, ignoreDefaultPermissions: true });
const embed = (r: InteractionResult) => (r.message?.embeds[0] ?? r.embeds[0]) as { description?: string };
const announce = () => stack.discord.guild.channels.announce;
const milestones50 = () =>
  stack.discord.messages(announce()).filter((m) => m.embeds[0]?.title === "Milestone: 50% of the goal");

describe("donation webhooks against the real bot", () => {
  it("refuses money before the campaign exists (503, nothing stored), then counts a Stripe payment once", async () => {
    const early = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_e2e_big", amountCents: 1_050_000, name: "Dana" }, now()),
      STRIPE_SECRET,
      now(),
    );
    expect((await send(early)).status).toBe(503);
    await campaign("setup", { name: "A dance party for the dancing man", goal: "20,000" });

    const paid = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_e2e_big", amountCents: 1_050_000, name: "Dana" }, now()),
      STRIPE_SECRET,
      now(),
    );
    const first = await send(paid);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ received: true, recorded: 1, duplicates: 0 });
    // Stripe retries the same event; a second event of the same session (async success) counts nothing more.
    expect(JSON.parse((await send(paid)).body)).toEqual({ received: true, recorded: 0, duplicates: 1 });
    const again = stripeRequest(
      "checkout.session.async_payment_succeeded",
      checkoutSession({ sessionId: "cs_e2e_big", amountCents: 1_050_000 }, now()),
      STRIPE_SECRET,
      now(),
    );
    expect(JSON.parse((await send(again)).body)).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await raised()).toBe(1_050_000);

    // The crossing of 50 % is announced once, and its dry-run post goes out once.
    await stack.discord.waitFor(() => milestones50().length === 1, 20_000);
    await stack.discord.waitFor(
      () => stack.discord.messages(announce()).some((m) => m.embeds[0]?.title?.startsWith("Dry run")),
      20_000,
    );
    expect(await stack.db.tweetOutbox.count({ where: { kind: "milestone" } })).toBe(1);
  });

  it("Ko-fi: a private donor is never named anywhere; a public one is thanked by name", async () => {
    const hidden = kofiRequest(
      {
        messageId: "kofi-e2e-private",
        amount: "25.00",
        fromName: "Secret Sam",
        message: "please keep me out of it",
        isPublic: false,
      },
      KOFI_TOKEN,
      now(),
    );
    const shown = kofiRequest(
      { messageId: "kofi-e2e-public", amount: "3.00", fromName: "Jo", message: "for the party" },
      KOFI_TOKEN,
      now(),
    );
    for (const r of [hidden, shown, hidden]) expect((await send(r)).status).toBe(200);
    expect(await raised()).toBe(1_050_000 + 2_800);
    const list = String(embed(await campaign("donations")).description);
    expect(list).toMatch(/Ko-fi · \*\*\$3\*\* · Jo · “for the party”/);
    expect(list).toMatch(/Ko-fi · \*\*\$25\*\* · anonymous/);
    const rows = await stack.db.donation.findMany({ where: { source: "kofi" } });
    expect(JSON.stringify(rows)).not.toMatch(/Secret Sam|keep me out/);
    // The thank-you lines: coalesced, the public donor by name, the private one by amount only.
    const posted = await stack.discord.waitFor(() => {
      const text = stack.discord
        .messages(thanks)
        .map((m) => m.content)
        .join("\n");
      return text.includes("Jo") && text.includes("$25") ? text : null;
    }, 20_000);
    expect(posted).toContain("💃 Thank you, **Jo**, for $3!");
    expect(posted).toContain("💃 Thank you for $25, whoever you are!");
    expect(posted).not.toMatch(/Secret Sam|keep me out|for the party/);
  });

  it("forged or unsigned deliveries change nothing and are logged once each, without the body", async () => {
    const before = await raised();
    const marker = "FORGED-PAYLOAD-MARKER";
    const forged = [
      stripeRequest(
        "checkout.session.completed",
        checkoutSession({ sessionId: "cs_forged", amountCents: 999_900, message: marker, public: true }, now()),
        "whsec_someone_else",
        now(),
      ),
      kofiRequest({ messageId: "kofi-forged", amount: "9999.00", message: marker }, "not-the-token", now()),
      standardRequest(
        { type: "donation.created", data: { id: "forged", amount: "9999.00", currency: "USD", message: marker } },
        newStandardSecret(),
        now(),
      ),
    ];
    const statuses = [];
    for (const r of forged) statuses.push((await send(r)).status);
    expect(statuses).toEqual([400, 401, 401]);
    const unsigned = await request(`${base}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "checkout.session.completed" }),
    });
    expect(unsigned.status).toBe(400);
    expect(await raised()).toBe(before);
    const warns = await stack.discord.waitFor(() => {
      const lines = stack.bot.logs.filter((l) => l.msg === "webhook refused");
      return lines.length >= 4 ? lines : null;
    }, 10_000);
    expect(warns.map((l) => l.source)).toEqual(["stripe", "kofi", "webhook", "stripe"]);
    expect(warns.every((l) => l.level === 40)).toBe(true);
    expect(JSON.stringify(stack.bot.logs)).not.toContain(marker);
  });

  it("a refund subtracts once; the milestone already posted stays posted once", async () => {
    const before = await raised();
    const refund = stripeRequest(
      "charge.refunded",
      refundedCharge("ch_e2e_big", 1_050_000, [{ id: "re_e2e_1", amount: 50_000 }]),
      STRIPE_SECRET,
      now(),
    );
    expect(JSON.parse((await send(refund)).body)).toMatchObject({ recorded: 1 });
    expect(JSON.parse((await send(refund)).body)).toMatchObject({ recorded: 0, duplicates: 1 });
    const std = standardRequest(
      { type: "donation.refunded", data: { id: "r-1", refund_of: "d-x", amount: "1.00", currency: "USD" } },
      STANDARD_SECRET,
      now(),
    );
    expect(JSON.parse((await send(std)).body)).toMatchObject({ recorded: 1 });
    expect(await raised()).toBe(before - 50_000 - 100);
    expect(milestones50()).toHaveLength(1);
  });

  it("a burst of 200 deliveries from the three sources, a third of them repeated, leaves the exact sum", async () => {
    const before = await raised();
    const deliveries: SignedRequest[] = [];
    let expected = 0;
    for (let i = 0; i < 200; i++) {
      const cents = 1_000 + i * 7;
      expected += cents;
      const major = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
      if (i % 3 === 0)
        deliveries.push(
          stripeRequest(
            "checkout.session.completed",
            checkoutSession({ sessionId: `cs_e2e_burst_${i}`, amountCents: cents }, now()),
            STRIPE_SECRET,
            now(),
          ),
        );
      else if (i % 3 === 1)
        deliveries.push(
          kofiRequest({ messageId: `kofi-e2e-burst-${i}`, amount: major, isPublic: false }, KOFI_TOKEN, now()),
        );
      else
        deliveries.push(
          standardRequest(
            { type: "donation.created", data: { id: `burst-${i}`, amount: major, currency: "USD" } },
            STANDARD_SECRET,
            now(),
          ),
        );
    }
    const all = [...deliveries, ...deliveries.filter((_, i) => i % 3 === 2)];
    // Spread over a few client addresses: each has its own rate-limit bucket, as separate senders would.
    const answers = await Promise.all(all.map((r, i) => send(r, `127.0.0.${10 + (i % 4)}`)));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual([]);
    const recorded = answers.reduce((n, a) => n + (JSON.parse(a.body) as { recorded: number }).recorded, 0);
    expect(recorded).toBe(200);
    expect(await raised()).toBe(before + expected);
    const counted = await stack.db.donation.aggregate({ where: { counted: true }, _sum: { amountCents: true } });
    expect(counted._sum.amountCents).toBe(before + expected);
  });
});
