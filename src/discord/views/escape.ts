// The one escaper of member text (track titles and artists, DJ names, genres, notes, stages, display names)
// wherever the bot shows it: in embeds, lists, replies and DMs. Rules mark member text inside their messages
// (memberText in src/errors.ts); views and the router escape exactly those parts with this function.
// Whatever a member types is shown as typed and can restyle nothing:
// - every character that can start or end a style, a quote, a heading, a list, a masked link or a spoiler is
//   escaped (so masked links `[Free Nitro](https://evil.example)`, headings `# `, subtext `-# `, lists `- `,
//   `* `, block quotes `> `, `>>> `), and a leading `1.` cannot start a numbered list;
// - bare URLs are shown but never clickable: a zero-width space after the scheme (`https\u200b://`) is enough for
//   Discord not to link it, and the text still reads the same;
// - mention and timestamp syntax (`<@id>`, `<@&role>`, `<#channel>`, `<t:…>`, `</cmd:id>`, `<:emoji:id>`)
//   shows as text: replies never ping (allowedMentions parse []), but a rendered mention could still impersonate.

const ZWSP = "\u200b";

/** Member text made inert in Discord markdown; it renders as typed. Does everything discord.js's escapeMarkdown does, and more. */
export function escapeMemberText(text: string): string {
  return text
    .replace(/([\\*_~`|>#[\]()-])/g, "\\$1")
    .replace(/^(\s*\d+)\.(?=\s)/gm, "$1\\.")
    .replace(/<(?=[@#/:]|a:|t:|id:)/g, "\\<")
    .replace(/\b([a-z][a-z0-9+.-]*):\/\//gi, `$1${ZWSP}://`);
}
