// The webhook routes on Fastify, on a real database: the raw body reaches the verifiers, a route without its
// secret is 404, a refusal is 400/401 with one warn line that never carries the body, a repeat is 200 and
// changes nothing. (End to end through the bot process: tests/donations.e2e.test.ts.)
import Fastify, { type FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { donationRoutes } from "../src/http/donations.js";
import { setupCampaign } from "../src/services/campaign.js";
import { readMetrics } from "../src/services/metrics.js";
import {
  checkoutSession,
  kofiRequest,
  newStandardSecret,
  standardRequest,
  stripeRequest,
  type SignedRequest,
} from "../src/sandbox/donations.js";
import { freshDb, type TestDb } from "./support/db.js";
import { organizer } from "./support/audit.js";

const NOW = new Date("2026-11-29T12:00:00Z");
const STRIPE_SECRET = "whsec_routes_test";
const KOFI_TOKEN = "kofi-routes-token";
const STANDARD_SECRET = newStandardSecret();

let t: TestDb;
let app: FastifyInstance;
let bare: FastifyInstance;
const lines: Record<string, unknown>[] = [];

async function server(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadConfig({
    DISCORD_TOKEN: "MTIz.fake-token-for-tests.abcdefghijklmnop",
    DISCORD_GUILD_ID: "100000000000000099",
    ...env,
  });
  const log = pino(
    { level: "info" },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const instance = Fastify({ bodyLimit: 64 * 1024 });
  await donationRoutes(instance, { db: t.db, config, log, now: () => NOW });
  await instance.ready();
  return instance;
}

beforeAll(async () => {
  t = await freshDb();
  app = await server({
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    KOFI_VERIFICATION_TOKEN: KOFI_TOKEN,
    DONATION_WEBHOOK_SECRET: STANDARD_SECRET,
  });
  bare = await server({});
});
afterAll(async () => {
  await app?.close();
  await bare?.close();
  await t.close();
});

const post = (r: SignedRequest, on = app) =>
  on.inject({ method: "POST", url: r.path, headers: r.headers, payload: r.body });
const raised = async () => (await readMetrics(t.db)).raised_cents;

describe("donation webhooks on Fastify", () => {
  it("answers 503 and stores nothing before the campaign exists", async () => {
    const r = await post(kofiRequest({ messageId: "early", amount: "5.00" }, KOFI_TOKEN, NOW));
    expect(r.statusCode).toBe(503);
    expect(await t.db.donation.count()).toBe(0);
    await setupCampaign(t.db, { name: "A dance party", goalCents: 2_000_000, userId: "1" }, NOW, organizer());
  });

  it("counts each source once; a repeat is 200 and changes nothing", async () => {
    const requests = [
      stripeRequest(
        "checkout.session.completed",
        checkoutSession({ sessionId: "cs_route_1", amountCents: 2_500 }, NOW),
        STRIPE_SECRET,
        NOW,
      ),
      kofiRequest({ messageId: "kofi-route-1", amount: "3.00" }, KOFI_TOKEN, NOW),
      standardRequest(
        { type: "donation.created", data: { id: "route-1", amount: "10.00", currency: "USD" } },
        STANDARD_SECRET,
        NOW,
      ),
    ];
    for (const r of requests) expect((await post(r)).json()).toEqual({ received: true, recorded: 1, duplicates: 0 });
    for (const r of requests) expect((await post(r)).json()).toEqual({ received: true, recorded: 0, duplicates: 1 });
    expect(await raised()).toBe(3_800);
  });

  it("refuses bad signatures and tokens with one warn line, without the body", async () => {
    lines.length = 0;
    const secretText = "PRIVATE-DONOR-NOTE";
    const forged = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_forged", amountCents: 9_900, message: secretText, public: true }, NOW),
      "whsec_not_ours",
      NOW,
    );
    expect((await post(forged)).statusCode).toBe(400);
    expect(
      (await post(kofiRequest({ messageId: "k-bad", amount: "9.00", message: secretText }, "wrong-token", NOW)))
        .statusCode,
    ).toBe(401);
    const std = standardRequest(
      { type: "donation.created", data: { id: "bad", amount: "9.00", currency: "USD", message: secretText } },
      newStandardSecret(),
      NOW,
    );
    expect((await post(std)).statusCode).toBe(401);
    expect((await app.inject({ method: "POST", url: "/webhooks/donations", payload: "" })).statusCode).toBe(400);
    const warns = lines.filter((l) => l.msg === "webhook refused");
    expect(warns.map((l) => [l.source, l.status])).toEqual([
      ["stripe", 400],
      ["kofi", 401],
      ["webhook", 401],
      ["webhook", 400],
    ]);
    expect(JSON.stringify(lines)).not.toContain(secretText);
    expect(await raised()).toBe(3_800);
  });

  it("a route whose secret is not set does not exist", async () => {
    for (const r of [
      stripeRequest("x", {}, STRIPE_SECRET, NOW),
      kofiRequest({ messageId: "m", amount: "1.00" }, KOFI_TOKEN, NOW),
      standardRequest({}, STANDARD_SECRET, NOW),
    ]) {
      expect((await post(r, bare)).statusCode).toBe(404);
    }
  });
});
