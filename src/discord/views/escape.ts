// The one escaper of member text (names, titles, notes) wherever the bot shows it: in embeds, lists,
// replies and DMs. Rules mark member text inside their messages (memberText in src/errors.ts); views and
// the router escape exactly those parts with this function.

/**
 * Member text made inert in Discord markdown: every character that can start or end a style, a quote, a
 * heading, a list, a masked link or a spoiler is escaped, and a leading "1." cannot start a numbered list.
 * It renders as typed.
 */
export function escapeMemberText(text: string): string {
  return text.replace(/([\\*_~`|>#[\]()-])/g, "\\$1").replace(/^(\s*\d+)\.(?=\s)/gm, "$1\\.");
}
