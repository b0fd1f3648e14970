// Refusals and member text, for every layer: nothing here knows Discord, so services throw and mark
// freely, and the views (src/discord/views) put it into Discord's words.

/**
 * What kind of refusal, for code that must tell them apart (logs, tests, a later translation). The wording
 * stays in the message; the code says what happened:
 * - `invalid`: the input cannot be used as given (a malformed time, a number out of range);
 * - `not_found`: what it names does not exist (any more);
 * - `forbidden`: this member may not do it (organizers only, someone else's offer);
 * - `conflict`: the state does not allow it now (already done, cancelled, started, a clash);
 * - `full`: no room left (seats, slots, a queue's cap);
 * - `limited`: too soon or too many (a per-member rate or cap);
 * - `stale`: an old button or menu that no longer leads anywhere.
 */
export type UserErrorCode = "invalid" | "not_found" | "forbidden" | "conflict" | "full" | "limited" | "stale";

/**
 * A refusal meant for the member (as Sapphire's UserError, with `code` as its identifier): its message says
 * in plain words what to do instead, and the router shows it ephemerally. Member text inside it is marked
 * with memberText(), so that `message` reads plainly and the reply escapes it.
 */
export class UserError extends Error {
  readonly code: UserErrorCode;
  /** The message with member text still marked, for the view that shows it. */
  readonly marked: string;

  constructor(message: string, code: UserErrorCode = "invalid") {
    super(unmarked(message));
    this.name = "UserError";
    this.code = code;
    this.marked = message;
  }
}

/** A component whose customId no longer leads anywhere (an old button, a deleted event). */
export const NO_LONGER_ACTIVE = "This button is no longer active. Run the command again to get a fresh one.";

/**
 * A customId, select value or autocomplete value that cannot be ours: forged by a modified client, or from
 * a message of an older version. The member reads "no longer active"; the router logs it at debug only
 * (every click of a forged button must not become an error line).
 */
export class ForgedInput extends UserError {
  constructor(readonly detail: string) {
    super(NO_LONGER_ACTIVE, "stale");
    this.name = "ForgedInput";
  }
}

// Member text inside a sentence the bot writes (a refusal, a DM) is wrapped in two private-use characters:
// the rule says "this part was typed by a member" and the view that shows it escapes exactly that part
// (src/discord/views/escape.ts), so one escaper serves every message and the rules stay free of Discord.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const MARKS = /[\uE000\uE001]/g;
const SPAN = /\uE000([^\uE000\uE001]*)\uE001/g;

/** Marks member text inside a message (any marks it carries itself are dropped, so it cannot end early). */
export function memberText(text: string): string {
  return `${OPEN}${text.replace(MARKS, "")}${CLOSE}`;
}

/** Replaces each marked part with `show(part)`, and drops stray marks. */
export function renderMarked(message: string, show: (text: string) => string): string {
  return message.replace(SPAN, (_whole, text: string) => show(text)).replace(MARKS, "");
}

/** The message as plain text: marks removed, member text as typed. */
export function unmarked(message: string): string {
  return message.replace(MARKS, "");
}
