// Stripe: the event is verified with the official package (webhooks.constructEvent) on the raw body, with the
// caller's clock for the timestamp tolerance. Counted: checkout.session.completed once paid, and
// checkout.session.async_payment_succeeded (bank debits), both keyed by the Checkout Session's id, so a
// session that sends both counts once. charge.refunded takes back each refund once, by refund id.
// Stripe has no "public donor" flag: the name and message are kept only when the Checkout Session's
// metadata says public=true (set by your own page), and read from metadata.message and customer_details.name.
import { createRequire } from "node:module";
import type Stripe from "stripe";
import type { DonationInput } from "../donations.js";
import { header, readCurrency, WebhookRefusal, type Delivery } from "./common.js";

// The Stripe package (about 7 MB resident, heap and code) is loaded on the first Stripe webhook, not at start:
// most campaigns never receive one. Its CommonJS build, so the first delivery is verified synchronously.
const load = createRequire(import.meta.url);
let stripe: typeof Stripe | undefined;
const stripeWebhooks = () => (stripe ??= load("stripe") as typeof Stripe).webhooks;

/** Stripe's own default: an event signed more than 5 minutes before it is received is refused (replays). */
export const STRIPE_TOLERANCE_SECONDS = 300;

export function verifyStripe(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  now: Date,
): Delivery {
  const signature = header(headers, "stripe-signature");
  if (!signature) throw new WebhookRefusal(400, "no Stripe-Signature header");
  let event: Stripe.Event;
  try {
    event = stripeWebhooks().constructEvent(raw, signature, secret, STRIPE_TOLERANCE_SECONDS, undefined, now.getTime());
  } catch (err) {
    throw new WebhookRefusal(
      400,
      `Stripe signature refused: ${(err as Error).message.split(/\.\s|\n/)[0]!.slice(0, 120)}`,
    );
  }
  return { event: event.type, donations: donationsOf(event, now) };
}

function donationsOf(event: Stripe.Event, now: Date): DonationInput[] {
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      const session = event.data.object;
      if (session.payment_status !== "paid" || session.amount_total === null || session.amount_total <= 0) return [];
      const currency = readCurrency(session.currency);
      if (!currency || !Number.isSafeInteger(session.amount_total))
        throw new WebhookRefusal(400, "Checkout Session without a usable amount or currency");
      const isPublic = session.metadata?.public === "true";
      return [
        {
          source: "stripe",
          sourceId: session.id,
          amountCents: session.amount_total,
          currency,
          public: isPublic,
          donorName: session.customer_details?.name ?? null,
          message: session.metadata?.message ?? null,
          receivedAt: now,
        },
      ];
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const refunds = charge.refunds?.data;
      if (Array.isArray(refunds)) {
        return refunds
          .filter(
            (r) => r.status !== "failed" && r.status !== "canceled" && Number.isSafeInteger(r.amount) && r.amount > 0,
          )
          .map((r) => refund(r.id, r.amount, r.currency, charge.id, now));
      }
      // API versions since 2022-11-15 leave the refunds list out of the charge: count the refunded amount so
      // far instead, keyed by it (the ledger subtracts what earlier rows of this charge already took back).
      if (!Number.isSafeInteger(charge.amount_refunded) || charge.amount_refunded <= 0) return [];
      return [
        {
          ...refund(
            `${charge.id}:refunded:${charge.amount_refunded}`,
            charge.amount_refunded,
            charge.currency,
            charge.id,
            now,
          ),
          cumulative: true,
        },
      ];
    }
    default:
      return []; // any other event: acknowledged, ignored
  }
}

function refund(id: string, amount: number, currencyCode: string, chargeId: string, now: Date): DonationInput {
  const currency = readCurrency(currencyCode);
  if (!currency) throw new WebhookRefusal(400, "refund without a usable currency");
  return {
    source: "stripe",
    sourceId: id,
    amountCents: -amount,
    currency,
    public: false,
    refundOf: chargeId,
    receivedAt: now,
  };
}
