// Donations as the payment platforms send them, signed by their own libraries: for the demo (a Stripe and a
// Ko-fi donation arrive by themselves) and the tests. Stripe events are signed with
// stripe.webhooks.generateTestHeaderString, Standard Webhooks with the standardwebhooks package's sign(), and
// Ko-fi's form is built as Ko-fi documents it (a `data` field holding JSON with the verification token).
import crypto from "node:crypto";
import Stripe from "stripe";
import { Webhook } from "standardwebhooks";

export interface SignedRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

const seconds = (now: Date) => Math.floor(now.getTime() / 1000);

/** A Stripe event envelope around `object`, signed for `secret` at `now`. */
export function stripeRequest(
  type: string,
  object: Record<string, unknown>,
  secret: string,
  now: Date,
  eventId = `evt_${crypto.randomBytes(12).toString("hex")}`,
): SignedRequest {
  const body = JSON.stringify({
    id: eventId,
    object: "event",
    api_version: "2025-09-30.clover",
    created: seconds(now),
    type,
    livemode: false,
    pending_webhooks: 1,
    data: { object },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: seconds(now) });
  return {
    path: "/webhooks/stripe",
    body,
    headers: { "content-type": "application/json", "stripe-signature": signature },
  };
}

export interface CheckoutInput {
  sessionId: string;
  amountCents: number;
  currency?: string;
  name?: string;
  /** metadata.public = "true" (your page asked the donor); otherwise the name is never kept. */
  public?: boolean;
  message?: string;
  paymentStatus?: "paid" | "unpaid";
}

export function checkoutSession(input: CheckoutInput, now: Date): Record<string, unknown> {
  return {
    id: input.sessionId,
    object: "checkout.session",
    amount_total: input.amountCents,
    currency: (input.currency ?? "usd").toLowerCase(),
    created: seconds(now),
    customer_details: { name: input.name ?? null, email: null },
    metadata: { ...(input.public ? { public: "true" } : {}), ...(input.message ? { message: input.message } : {}) },
    mode: "payment",
    payment_intent: `pi_${input.sessionId.slice(-16)}`,
    payment_status: input.paymentStatus ?? "paid",
    status: "complete",
  };
}

export function refundedCharge(
  chargeId: string,
  amountCents: number,
  refunds: { id: string; amount: number }[] | null,
  currency = "usd",
): Record<string, unknown> {
  const refunded = refunds ? refunds.reduce((s, r) => s + r.amount, 0) : amountCents;
  return {
    id: chargeId,
    object: "charge",
    amount: amountCents,
    amount_refunded: refunded,
    currency,
    refunded: refunded >= amountCents,
    ...(refunds
      ? {
          refunds: {
            object: "list",
            data: refunds.map((r) => ({
              id: r.id,
              object: "refund",
              amount: r.amount,
              currency,
              charge: chargeId,
              status: "succeeded",
            })),
            has_more: false,
          },
        }
      : {}),
  };
}

export interface KofiInput {
  messageId: string;
  amount: string;
  currency?: string;
  type?: "Donation" | "Subscription" | "Shop Order" | "Commission";
  isPublic?: boolean;
  fromName?: string;
  message?: string;
}

/** Ko-fi's webhook: application/x-www-form-urlencoded with `data` = the JSON Ko-fi documents. */
export function kofiRequest(input: KofiInput, verificationToken: string, now: Date): SignedRequest {
  const data = {
    verification_token: verificationToken,
    message_id: input.messageId,
    timestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    type: input.type ?? "Donation",
    is_public: input.isPublic ?? true,
    from_name: input.fromName ?? "Ko-fi Supporter",
    message: input.message ?? "",
    amount: input.amount,
    url: "https://ko-fi.com/Home/CoffeeShop?txid=00000000-1111-2222-3333-444444444444",
    email: "supporter@example.com",
    currency: input.currency ?? "USD",
    is_subscription_payment: input.type === "Subscription",
    is_first_subscription_payment: input.type === "Subscription",
    kofi_transaction_id: crypto.randomUUID(),
    shop_items: null,
    tier_name: null,
    shipping: null,
  };
  return {
    path: "/webhooks/kofi",
    body: new URLSearchParams({ data: JSON.stringify(data) }).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  };
}

/** A Standard Webhooks message signed with the standardwebhooks package. */
export function standardRequest(
  payload: unknown,
  secret: string,
  now: Date,
  messageId = `msg_${crypto.randomBytes(8).toString("hex")}`,
): SignedRequest {
  const body = JSON.stringify(payload);
  const signature = new Webhook(secret).sign(messageId, now, body);
  return {
    path: "/webhooks/donations",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": messageId,
      "webhook-timestamp": String(seconds(now)),
      "webhook-signature": signature,
    },
  };
}

/** A fresh Standard Webhooks secret: whsec_ and 24 random bytes in base64. */
export function newStandardSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString("base64")}`;
}
