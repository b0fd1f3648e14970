// Any signed webhook, in the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature), so
// Zapier, Make, n8n or a fundraising platform's own webhook can feed the ledger. Signatures are computed with
// the standardwebhooks package (Webhook.sign) and compared in constant time; the timestamp is checked here
// against the caller's clock, because the package's verify() reads the wall clock itself.
//   {"type": "donation.created",  "data": {"id": "…", "amount": "25.00", "currency": "USD", "donor": "…", "message": "…", "public": true}}
//   {"type": "donation.refunded", "data": {"id": "…", "refund_of": "<donation id>", "amount": "25.00", "currency": "USD"}}
import crypto from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { DonationInput } from "../donations.js";
import { MAX_SOURCE_ID } from "../ledger.js";
import { header, optionalText, parseMajorUnits, readCurrency, WebhookRefusal, type Delivery } from "./common.js";

/** The scheme's tolerance: a message signed more than 5 minutes away from now is refused (replays). */
export const STANDARD_TOLERANCE_SECONDS = 300;

export function verifyStandardWebhook(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  now: Date,
): Delivery {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures)
    throw new WebhookRefusal(400, "missing webhook-id, webhook-timestamp or webhook-signature");
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRefusal(400, "webhook-timestamp is not a number of seconds");
  const seconds = Number(timestamp);
  if (Math.abs(Math.floor(now.getTime() / 1000) - seconds) > STANDARD_TOLERANCE_SECONDS)
    throw new WebhookRefusal(401, "webhook-timestamp too far from now");
  const expected = new Webhook(secret).sign(id, new Date(seconds * 1000), raw.toString("utf8")).split(",")[1]!;
  const match = signatures.split(" ").some((s) => {
    const [version, value] = s.split(",");
    return version === "v1" && value !== undefined && equal(value, expected);
  });
  if (!match) throw new WebhookRefusal(401, "no matching webhook-signature");

  let body: { type?: unknown; data?: Record<string, unknown> };
  try {
    body = JSON.parse(raw.toString("utf8")) as typeof body;
  } catch {
    throw new WebhookRefusal(400, "body is not JSON");
  }
  const type = typeof body?.type === "string" ? body.type : "";
  if (type !== "donation.created" && type !== "donation.refunded") return { event: type || "unknown", donations: [] };
  const data = body.data;
  if (typeof data !== "object" || data === null) throw new WebhookRefusal(400, "no data object");
  const donationId = optionalText(data.id);
  if (!donationId || donationId.length > MAX_SOURCE_ID)
    throw new WebhookRefusal(400, "data.id must be a string of at most 200 characters");
  const amountCents = parseMajorUnits(data.amount);
  if (amountCents === null || amountCents === 0)
    throw new WebhookRefusal(400, 'data.amount must be a decimal string such as "25.00"');
  const currency = readCurrency(data.currency);
  if (!currency) throw new WebhookRefusal(400, "data.currency must be a three-letter code such as USD");
  if (type === "donation.refunded") {
    const refundOf = optionalText(data.refund_of);
    if (!refundOf) throw new WebhookRefusal(400, "data.refund_of must name the refunded donation's id");
    // Keyed apart from donations: a sender may reuse the donation's id for its refund.
    const refund: DonationInput = {
      source: "webhook",
      sourceId: `refund:${donationId}`,
      amountCents: -amountCents,
      currency,
      public: false,
      refundOf,
      receivedAt: now,
    };
    return { event: type, donations: [refund] };
  }
  const isPublic = data.public === true;
  const donation: DonationInput = {
    source: "webhook",
    sourceId: donationId,
    amountCents,
    currency,
    public: isPublic,
    donorName: isPublic ? optionalText(data.donor) : null,
    message: isPublic ? optionalText(data.message) : null,
    receivedAt: now,
  };
  return { event: type, donations: [donation] };
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
