// The donation webhooks: POST /webhooks/stripe, /webhooks/kofi and /webhooks/donations. Each route exists only
// when its secret is configured (otherwise the server's 404). The body is kept as raw bytes in this plugin's
// scope, because signatures are computed over exactly what was sent; verification and parsing are the plain
// functions of src/services/donationSources, and deliveries that arrive together are written in one transaction
// (src/services/donationBatcher.ts).
// A refusal (bad or missing signature or token, malformed body) stores nothing and logs one warn line with the
// reason and the client's address, never the body. A repeat answers 200 and changes nothing.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config.js";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { WebhookRefusal, type Delivery } from "../services/donationSources/common.js";
import { verifyKofi } from "../services/donationSources/kofi.js";
import { verifyStandardWebhook } from "../services/donationSources/standard.js";
import { verifyStripe } from "../services/donationSources/stripe.js";
import { createDonationBatcher, type DonationBatcher } from "../services/donationBatcher.js";
import { NoCampaignError } from "../services/donations.js";

/** What the routes need of the bot (a subset of the HTTP server's deps). */
export interface DonationRouteDeps {
  db: Db;
  config: Config;
  log: Logger;
  now(): Date;
}

type Headers = FastifyRequest["headers"];
type Verify = (raw: Buffer, headers: Headers, now: Date) => Delivery;

export async function donationRoutes(app: FastifyInstance, deps: DonationRouteDeps): Promise<void> {
  const { config } = deps;
  // One batcher for the three routes: a burst from all sources at once is still one transaction at a time.
  const batcher = createDonationBatcher(deps.db, { thank: true });
  const routes: { path: string; source: string; verify: Verify | null }[] = [
    {
      path: "/webhooks/stripe",
      source: "stripe",
      verify: config.STRIPE_WEBHOOK_SECRET
        ? (raw, h, now) => verifyStripe(raw, h, config.STRIPE_WEBHOOK_SECRET!, now)
        : null,
    },
    {
      path: "/webhooks/kofi",
      source: "kofi",
      verify: config.KOFI_VERIFICATION_TOKEN
        ? (raw, _h, now) => verifyKofi(raw, config.KOFI_VERIFICATION_TOKEN!, now)
        : null,
    },
    {
      path: "/webhooks/donations",
      source: "webhook",
      verify: config.DONATION_WEBHOOK_SECRET
        ? (raw, h, now) => verifyStandardWebhook(raw, h, config.DONATION_WEBHOOK_SECRET!, now)
        : null,
    },
  ];
  await app.register(async (scope) => {
    // Raw bytes for every content type, in this scope only (Fastify plugins are encapsulated).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    for (const route of routes) {
      const verify = route.verify;
      if (!verify) continue; // not configured: the server's 404, as for any unknown address
      scope.post(route.path, (request, reply) => receive(deps, batcher, route.source, verify, request, reply));
    }
  });
}

async function receive(
  deps: DonationRouteDeps,
  batcher: DonationBatcher,
  source: string,
  verify: Verify,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const now = deps.now();
  let delivery: Delivery;
  try {
    delivery = verify(raw, request.headers, now);
  } catch (err) {
    if (!(err instanceof WebhookRefusal)) throw err;
    deps.log.warn(
      { source, status: err.status, reason: err.message, ip: request.ip, bytes: raw.length },
      "webhook refused",
    );
    return reply
      .code(err.status)
      .type("text/plain; charset=utf-8")
      .send(`Refused: ${err.status === 401 ? "the signature or token does not match" : err.message}.\n`);
  }
  let recorded = 0;
  let duplicates = 0;
  for (const donation of delivery.donations) {
    try {
      const outcome = await batcher.submit(donation, now);
      if (outcome.status === "recorded") recorded++;
      else duplicates++;
    } catch (err) {
      if (!(err instanceof NoCampaignError)) throw err;
      // Nothing stored: the sender retries (Stripe for days), and counts once the campaign exists.
      deps.log.warn(
        { source, event: delivery.event },
        "donation before /campaign setup: refused with 503, the sender will retry",
      );
      return reply
        .code(503)
        .header("Retry-After", "600")
        .type("text/plain; charset=utf-8")
        .send("No campaign is set up yet; retry later.\n");
    }
  }
  deps.log.info({ source, event: delivery.event, recorded, duplicates }, "webhook received");
  return reply.code(200).send({ received: true, recorded, duplicates });
}
