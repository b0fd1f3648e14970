// Ko-fi: an application/x-www-form-urlencoded body whose field `data` holds JSON. Ko-fi does not sign it: the
// JSON's verification_token must equal the one on your Ko-fi webhooks page (compared in constant time).
// message_id makes a retry count once. Donation and Subscription count; Shop Order and Commission are sales,
// not donations, and are ignored. is_public false: the donor's name and message are never kept.
import crypto from "node:crypto";
import type { DonationInput } from "../donations.js";
import { optionalText, parseMajorUnits, readCurrency, WebhookRefusal, type Delivery } from "./common.js";

const COUNTED_TYPES = new Set(["Donation", "Subscription"]);

export function verifyKofi(raw: Buffer, verificationToken: string, now: Date): Delivery {
  const form = new URLSearchParams(raw.toString("utf8"));
  const data = form.get("data");
  if (data === null) throw new WebhookRefusal(400, "Ko-fi body without a data field");
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    payload = parsed as Record<string, unknown>;
  } catch {
    throw new WebhookRefusal(400, "Ko-fi data field is not a JSON object");
  }
  if (typeof payload.verification_token !== "string" || !sameSecret(payload.verification_token, verificationToken)) {
    throw new WebhookRefusal(401, "Ko-fi verification_token does not match KOFI_VERIFICATION_TOKEN");
  }
  const type = typeof payload.type === "string" ? payload.type : "";
  if (!COUNTED_TYPES.has(type)) return { event: type || "unknown", donations: [] };
  const messageId = optionalText(payload.message_id);
  if (!messageId) throw new WebhookRefusal(400, "Ko-fi payload without a message_id");
  const amountCents = parseMajorUnits(payload.amount);
  if (amountCents === null || amountCents === 0)
    throw new WebhookRefusal(400, "Ko-fi amount is not a decimal such as 3.00");
  const currency = readCurrency(payload.currency);
  if (!currency) throw new WebhookRefusal(400, "Ko-fi currency is not a three-letter code");
  const isPublic = payload.is_public === true;
  const donation: DonationInput = {
    source: "kofi",
    sourceId: messageId,
    amountCents,
    currency,
    public: isPublic,
    donorName: isPublic ? optionalText(payload.from_name) : null,
    message: isPublic ? optionalText(payload.message) : null,
    receivedAt: now,
  };
  return { event: type, donations: [donation] };
}

/** Constant-time comparison that does not leak the length either (both sides hashed first). */
function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
