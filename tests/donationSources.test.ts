// Verification and parsing per source, on the raw bytes, with payloads signed by the providers' own libraries.
// Plain functions: no database, the test's own clock.
import { describe, expect, it } from "vitest";
import { parseMajorUnits, WebhookRefusal } from "../src/services/donationSources/common.js";
import { verifyKofi } from "../src/services/donationSources/kofi.js";
import { verifyStandardWebhook } from "../src/services/donationSources/standard.js";
import { verifyStripe } from "../src/services/donationSources/stripe.js";
import {
  checkoutSession,
  kofiRequest,
  newStandardSecret,
  refundedCharge,
  standardRequest,
  stripeRequest,
} from "../src/sandbox/donations.js";

const NOW = new Date("2026-11-29T12:00:00Z");
const LATER = new Date(NOW.getTime() + 10 * 60_000);
const STRIPE_SECRET = "whsec_test_stripe_secret";
const KOFI_TOKEN = "kofi-token-0a1b2c3d";
const STANDARD_SECRET = newStandardSecret();

const raw = (r: { body: string }) => Buffer.from(r.body, "utf8");
const refusal = (fn: () => unknown): WebhookRefusal => {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookRefusal) return err;
    throw err;
  }
  throw new Error("expected a refusal");
};

describe("amounts in major units", () => {
  it("reads decimal strings strictly into integer cents", () => {
    expect(parseMajorUnits("25")).toBe(2500);
    expect(parseMajorUnits("25.5")).toBe(2550);
    expect(parseMajorUnits("25.00")).toBe(2500);
    expect(parseMajorUnits("0.10")).toBe(10);
    expect(parseMajorUnits(" 1000.01 ")).toBe(100001);
    for (const bad of [
      "",
      "-5",
      "+5",
      "1e3",
      "1,000",
      "25.001",
      "25.",
      ".5",
      "0x10",
      "NaN",
      "Infinity",
      "25 USD",
      "99999999999",
      "21474836.48",
    ]) {
      expect(parseMajorUnits(bad), bad).toBeNull();
    }
    expect(parseMajorUnits(25)).toBeNull(); // a JSON number is not accepted: floats lose cents
    expect(parseMajorUnits(null)).toBeNull();
  });
});

describe("Stripe", () => {
  it("counts a paid Checkout Session, verified with the official package", () => {
    const r = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_test_a1", amountCents: 2500, name: "Dana" }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    const d = verifyStripe(raw(r), r.headers, STRIPE_SECRET, NOW);
    expect(d.event).toBe("checkout.session.completed");
    expect(d.donations).toEqual([
      expect.objectContaining({
        source: "stripe",
        sourceId: "cs_test_a1",
        amountCents: 2500,
        currency: "USD",
        public: false,
      }),
    ]);
  });

  it("keeps the name only when the session's metadata says public", () => {
    const r = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_pub", amountCents: 100, name: "Dana", public: true, message: "dance!" }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    expect(verifyStripe(raw(r), r.headers, STRIPE_SECRET, NOW).donations[0]).toMatchObject({
      public: true,
      donorName: "Dana",
      message: "dance!",
    });
  });

  it("waits for async payments: unpaid is ignored, async_payment_succeeded counts under the same session id", () => {
    const unpaid = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_ach", amountCents: 5000, paymentStatus: "unpaid" }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    expect(verifyStripe(raw(unpaid), unpaid.headers, STRIPE_SECRET, NOW).donations).toEqual([]);
    const later = stripeRequest(
      "checkout.session.async_payment_succeeded",
      checkoutSession({ sessionId: "cs_ach", amountCents: 5000 }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    expect(verifyStripe(raw(later), later.headers, STRIPE_SECRET, NOW).donations[0]).toMatchObject({
      sourceId: "cs_ach",
      amountCents: 5000,
    });
  });

  it("takes back each refund by its id, or the refunded total when the list is left out", () => {
    const r = stripeRequest(
      "charge.refunded",
      refundedCharge("ch_1", 5000, [
        { id: "re_1", amount: 1000 },
        { id: "re_2", amount: 500 },
      ]),
      STRIPE_SECRET,
      NOW,
    );
    expect(
      verifyStripe(raw(r), r.headers, STRIPE_SECRET, NOW).donations.map((d) => [d.sourceId, d.amountCents, d.refundOf]),
    ).toEqual([
      ["re_1", -1000, "ch_1"],
      ["re_2", -500, "ch_1"],
    ]);
    const bare = stripeRequest("charge.refunded", refundedCharge("ch_2", 5000, null), STRIPE_SECRET, NOW);
    expect(verifyStripe(raw(bare), bare.headers, STRIPE_SECRET, NOW).donations[0]).toMatchObject({
      sourceId: "ch_2:refunded:5000",
      amountCents: -5000,
      cumulative: true,
    });
  });

  it("acknowledges and ignores other events", () => {
    const r = stripeRequest("customer.created", { id: "cus_1", object: "customer" }, STRIPE_SECRET, NOW);
    expect(verifyStripe(raw(r), r.headers, STRIPE_SECRET, NOW)).toEqual({ event: "customer.created", donations: [] });
  });

  it("refuses a wrong secret, a changed byte, a missing header and an old signature (the caller's clock)", () => {
    const r = stripeRequest(
      "checkout.session.completed",
      checkoutSession({ sessionId: "cs_x", amountCents: 2500 }, NOW),
      STRIPE_SECRET,
      NOW,
    );
    expect(refusal(() => verifyStripe(raw(r), r.headers, "whsec_other", NOW)).status).toBe(400);
    expect(
      refusal(() => verifyStripe(Buffer.from(r.body.replace("2500", "9500")), r.headers, STRIPE_SECRET, NOW)).status,
    ).toBe(400);
    expect(refusal(() => verifyStripe(raw(r), {}, STRIPE_SECRET, NOW)).message).toMatch(/no Stripe-Signature/);
    expect(refusal(() => verifyStripe(raw(r), r.headers, STRIPE_SECRET, LATER)).message).toMatch(/tolerance/);
  });
});

describe("Ko-fi", () => {
  it("counts a donation with its message_id, the name only when public", () => {
    const pub = kofiRequest(
      { messageId: "m-1", amount: "3.00", fromName: "Jo", message: "for the party" },
      KOFI_TOKEN,
      NOW,
    );
    expect(verifyKofi(raw(pub), KOFI_TOKEN, NOW).donations).toEqual([
      expect.objectContaining({
        source: "kofi",
        sourceId: "m-1",
        amountCents: 300,
        currency: "USD",
        donorName: "Jo",
        message: "for the party",
      }),
    ]);
    const hidden = kofiRequest(
      { messageId: "m-2", amount: "10.00", fromName: "Secret Sam", message: "shh", isPublic: false },
      KOFI_TOKEN,
      NOW,
    );
    const [d] = verifyKofi(raw(hidden), KOFI_TOKEN, NOW).donations;
    expect(d).toMatchObject({ public: false, donorName: null, message: null });
    expect(JSON.stringify(d)).not.toContain("Secret Sam");
  });

  it("counts subscriptions, ignores shop orders and commissions", () => {
    expect(
      verifyKofi(
        raw(kofiRequest({ messageId: "s", amount: "5.00", type: "Subscription" }, KOFI_TOKEN, NOW)),
        KOFI_TOKEN,
        NOW,
      ).donations,
    ).toHaveLength(1);
    expect(
      verifyKofi(
        raw(kofiRequest({ messageId: "o", amount: "5.00", type: "Shop Order" }, KOFI_TOKEN, NOW)),
        KOFI_TOKEN,
        NOW,
      ).donations,
    ).toEqual([]);
    expect(
      verifyKofi(
        raw(kofiRequest({ messageId: "c", amount: "5.00", type: "Commission" }, KOFI_TOKEN, NOW)),
        KOFI_TOKEN,
        NOW,
      ).donations,
    ).toEqual([]);
  });

  it("refuses a wrong token (401) and malformed bodies or amounts (400)", () => {
    expect(
      refusal(() => verifyKofi(raw(kofiRequest({ messageId: "m", amount: "3.00" }, "wrong", NOW)), KOFI_TOKEN, NOW))
        .status,
    ).toBe(401);
    expect(refusal(() => verifyKofi(Buffer.from("hello=1"), KOFI_TOKEN, NOW)).status).toBe(400);
    expect(refusal(() => verifyKofi(Buffer.from("data=%7Bnot%20json"), KOFI_TOKEN, NOW)).status).toBe(400);
    for (const amount of ["3,00", "-3.00", "3.001", "1e2"]) {
      expect(
        refusal(() => verifyKofi(raw(kofiRequest({ messageId: "m", amount }, KOFI_TOKEN, NOW)), KOFI_TOKEN, NOW))
          .status,
        amount,
      ).toBe(400);
    }
  });
});

describe("Standard Webhooks", () => {
  const created = {
    type: "donation.created",
    data: { id: "don_1", amount: "25.00", currency: "usd", donor: "Lee", message: "go!", public: true },
  };

  it("counts donation.created signed by the standardwebhooks package", () => {
    const r = standardRequest(created, STANDARD_SECRET, NOW);
    expect(verifyStandardWebhook(raw(r), r.headers, STANDARD_SECRET, NOW).donations).toEqual([
      expect.objectContaining({
        source: "webhook",
        sourceId: "don_1",
        amountCents: 2500,
        currency: "USD",
        donorName: "Lee",
        message: "go!",
      }),
    ]);
  });

  it("a refund is negative, keyed apart from the donation it takes back", () => {
    const r = standardRequest(
      { type: "donation.refunded", data: { id: "don_1", refund_of: "don_1", amount: "10.00", currency: "USD" } },
      STANDARD_SECRET,
      NOW,
    );
    expect(verifyStandardWebhook(raw(r), r.headers, STANDARD_SECRET, NOW).donations[0]).toMatchObject({
      sourceId: "refund:don_1",
      amountCents: -1000,
      refundOf: "don_1",
    });
  });

  it("without public: true, neither name nor message is kept", () => {
    const r = standardRequest(
      { type: "donation.created", data: { id: "don_2", amount: "5.00", currency: "USD", donor: "Hidden" } },
      STANDARD_SECRET,
      NOW,
    );
    expect(verifyStandardWebhook(raw(r), r.headers, STANDARD_SECRET, NOW).donations[0]).toMatchObject({
      public: false,
      donorName: null,
    });
  });

  it("refuses another secret, a changed body, an old or future timestamp, missing headers; ignores other types", () => {
    const r = standardRequest(created, STANDARD_SECRET, NOW);
    expect(refusal(() => verifyStandardWebhook(raw(r), r.headers, newStandardSecret(), NOW)).status).toBe(401);
    expect(
      refusal(() =>
        verifyStandardWebhook(Buffer.from(r.body.replace("25.00", "95.00")), r.headers, STANDARD_SECRET, NOW),
      ).status,
    ).toBe(401);
    expect(refusal(() => verifyStandardWebhook(raw(r), r.headers, STANDARD_SECRET, LATER)).message).toMatch(/too far/);
    expect(
      refusal(() => verifyStandardWebhook(raw(r), r.headers, STANDARD_SECRET, new Date(NOW.getTime() - 10 * 60_000)))
        .message,
    ).toMatch(/too far/);
    expect(refusal(() => verifyStandardWebhook(raw(r), { "webhook-id": "x" }, STANDARD_SECRET, NOW)).status).toBe(400);
    const other = standardRequest({ type: "donor.updated", data: {} }, STANDARD_SECRET, NOW);
    expect(verifyStandardWebhook(raw(other), other.headers, STANDARD_SECRET, NOW)).toEqual({
      event: "donor.updated",
      donations: [],
    });
    const bad = standardRequest(
      { type: "donation.created", data: { id: "d", amount: 25, currency: "USD" } },
      STANDARD_SECRET,
      NOW,
    );
    expect(refusal(() => verifyStandardWebhook(raw(bad), bad.headers, STANDARD_SECRET, NOW)).message).toMatch(
      /decimal string/,
    );
  });
});
