// Small pieces of wording shared by the views.
import { renderMarked } from "../../errors.js";
import { escapeMemberText } from "./escape.js";

/** A message written by a rule (a refusal, a DM), with its member text escaped for Discord. */
export function showMessage(marked: string): string {
  return renderMarked(marked, escapeMemberText);
}

/** Member text shown on its own (a name in a list, a title): cut to `max` characters, then escaped. */
export function showMemberText(text: string, max = 100): string {
  return escapeMemberText(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}
