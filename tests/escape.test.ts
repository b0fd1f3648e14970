// The one escaper of member text: whatever a member types is shown as typed and restyles nothing.
import { escapeMarkdown } from "discord.js";
import { describe, expect, it } from "vitest";
import { escapeMemberText } from "../src/discord/views/escape.js";
import { showMemberText, showMessage } from "../src/discord/views/text.js";
import { memberText, UserError } from "../src/errors.js";

describe("the one escaper of member text", () => {
  it("escapes every markdown character, so member text renders as typed", () => {
    expect(escapeMemberText("**Big** _hit_ `x` ~~y~~ || z || > q")).toBe(
      "\\*\\*Big\\*\\* \\_hit\\_ \\`x\\` \\~\\~y\\~\\~ \\|\\| z \\|\\| \\> q",
    );
    // A bare URL keeps reading the same, with a zero-width space after its scheme so it is not clickable.
    expect(escapeMemberText("# [site](https://a.example) - 1. \\")).toBe(
      "\\# \\[site\\]\\(https\u200b://a.example\\) \\- 1. \\\\",
    );
    expect(escapeMemberText("1. first")).toBe("1\\. first");
  });

  it("cuts long text before escaping", () => {
    expect(showMemberText("a*".repeat(10), 5)).toBe("a\\*a\\*…");
  });
});

describe("member text marked inside a rule's message", () => {
  it("reads plainly in the error and is escaped where it is shown", () => {
    const err = new UserError(`${memberText("**DJ**")} already plays on ${memberText("Main_stage")}.`, "conflict");
    expect(err.message).toBe("**DJ** already plays on Main_stage.");
    expect(err.code).toBe("conflict");
    expect(showMessage(err.marked)).toBe("\\*\\*DJ\\*\\* already plays on Main\\_stage.");
  });

  it("cannot be ended early by marks the member typed", () => {
    const typed = "a\uE001 **loud**";
    expect(showMessage(`Hi ${memberText(typed)}!`)).toBe("Hi a \\*\\*loud\\*\\*!");
    expect(showMessage("stray \uE000 mark")).toBe("stray  mark");
  });
});

/** What Discord would turn into a link, heading, list, quote or mention, read the way its parser does. */
function renders(text: string): string[] {
  const found: string[] = [];
  if (/(?<!\\)\[[^\]]*(?<!\\)\]\([^)]*\)/.test(text)) found.push("masked link");
  if (/https?:\/\//i.test(text)) found.push("bare link");
  if (/^\s*#{1,3} /m.test(text)) found.push("heading");
  if (/^\s*-# /m.test(text)) found.push("subtext");
  if (/^\s*[-*] /m.test(text)) found.push("bulleted list");
  if (/^\s*\d+\. /m.test(text)) found.push("numbered list");
  if (/^\s*>{1,3} /m.test(text)) found.push("block quote");
  if (/(?<!\\)<(@[!&]?\d+|#\d+|t:\d+|\/\w)/.test(text)) found.push("mention");
  return found;
}

const hostile = [
  "[Free Nitro](https://evil.example)",
  "[Free Nitro](<https://evil.example>)",
  "https://evil.example/claim?gift=1",
  "# YOU WON",
  "## Claim now",
  "-# small print",
  "- first\n- second",
  "* star",
  "1. step one",
  "> quoted\n>>> all of it",
  "<@123456789012345678> says hi",
  "<@&123456789012345678>",
  "<#123456789012345678>",
  "<t:1700000000:R>",
  "</campaign raised:123>",
];

describe("escapeMemberText against a hostile corpus", () => {
  it.each(hostile)("shows %j as text, rendering nothing", (input) => {
    expect(renders(input).length).toBeGreaterThan(0); // the corpus does attack
    expect(renders(escapeMemberText(input))).toEqual([]);
  });

  it.each(hostile)("member text %j marked inside a rule's message renders nothing either", (input) => {
    expect(renders(showMessage(`Requested ${memberText(input)}.`))).toEqual([]);
  });

  it("does everything discord.js's escapeMarkdown does", () => {
    for (const text of [
      "**bold**",
      "*it*",
      "__under__",
      "~~gone~~",
      "||spoiler||",
      "`code`",
      "```block```",
      "back\\slash",
      "_x_",
    ]) {
      expect(escapeMemberText(text)).toBe(escapeMarkdown(text));
    }
  });

  it("leaves ordinary text alone, and a URL still reads the same", () => {
    expect(escapeMemberText("September — Earth, Wind & Fire")).toBe("September — Earth, Wind & Fire");
    expect(escapeMemberText("I <3 disco")).toBe("I <3 disco");
    expect(escapeMemberText("https://example.com/mix").replace(/\u200b/g, "")).toBe("https://example.com/mix");
  });
});
