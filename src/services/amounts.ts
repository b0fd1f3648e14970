// Money as integer cents: read strictly from what an organizer types, shown in the campaign's currency.
// Strict on purpose: "33.000" or "33k" might mean several things, and a wrong total is posted on X.
import { UserError } from "../errors.js";

/** The largest amount a counter holds (a 32-bit integer of cents): $21,474,836.47. */
export const MAX_CENTS = 2_147_483_647;

const PLAIN = /^(\d+)(?:\.(\d{1,2}))?$/;
const GROUPED = /^(\d{1,3}(?:,\d{3})+)(?:\.(\d{1,2}))?$/;

/** Reads `33000`, `33,000`, `33000.50` or `33,000.50` as cents; null for anything else. */
export function parseAmount(text: string): number | null {
  const input = text.trim();
  const match = PLAIN.exec(input) ?? GROUPED.exec(input);
  if (!match) return null;
  const whole = match[1]!.replace(/,/g, "");
  if (whole.length > 10) return null;
  const cents = Number(whole) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(cents) && cents <= MAX_CENTS ? cents : null;
}

/** parseAmount for a command option, with a refusal that shows what works. */
export function requireAmount(text: string, what: string, options: { allowZero?: boolean } = {}): number {
  const cents = parseAmount(text);
  if (cents === null) {
    throw new UserError(
      `I could not read "${text.slice(0, 40)}" as ${what}. Type digits only, with an optional comma every three digits and up to two decimals: 33000, 33,000 or 33000.50 (at most 21,474,836.47).`,
    );
  }
  if (cents === 0 && !options.allowZero)
    throw new UserError(`${what[0]!.toUpperCase()}${what.slice(1)} must be more than zero, such as 250 or 1,000.50.`);
  return cents;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** "$33,000" (no cents when whole), "$33,000.50", "€1,000": for Discord, the card and posts. */
export function formatMoney(cents: number, currency: string): string {
  const whole = cents % 100 === 0;
  const key = `${currency}:${whole}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2,
    });
    formatters.set(key, format);
  }
  return format.format(cents / 100);
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Whole percent of the goal, rounded down: 165 for $33,000 of $20,000 (rounding up would claim a milestone early). */
export function percentOf(cents: number, goalCents: number): number {
  return goalCents > 0 ? Math.floor((cents * 100) / goalCents) : 0;
}

/** Whether Intl knows the ISO 4217 code. */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf("currency").includes(code);
}
