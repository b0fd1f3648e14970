// What every source's verifier shares: the refusal (400 or 401, nothing stored) and the strict reading of a
// decimal amount in major units ("25.00") into integer cents.
import { isCurrency, MAX_CENTS } from "../amounts.js";
import type { DonationInput } from "../donations.js";

/** A delivery refused before anything is stored: its status and a reason for the log (never the body). */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: 400 | 401,
    reason: string,
  ) {
    super(reason);
    this.name = "WebhookRefusal";
  }
}

/** A verified delivery: the event's kind and what it adds or takes back (empty when it is ignored). */
export interface Delivery {
  event: string;
  donations: DonationInput[];
}

const DECIMAL = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/**
 * "25", "25.5" or "25.00" as cents; null for anything else: no sign, no exponent, no thousands separator, no
 * third decimal (a float such as 0.1 + 0.2 never appears: the digits are read as text).
 */
export function parseMajorUnits(text: unknown): number | null {
  if (typeof text !== "string") return null;
  const match = DECIMAL.exec(text.trim());
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(cents) && cents <= MAX_CENTS ? cents : null;
}

/** An ISO 4217 code in any case, upper-cased; null when it is not one. */
export function readCurrency(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const code = value.trim().toUpperCase();
  return isCurrency(code) ? code : null;
}

/** A short text field from a payload: a string, or nothing. */
export function optionalText(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value : null;
}

/** A header's value as one string (Node gives repeated headers as an array). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
