import { describe, expect, it } from "vitest";
import { escapeMemberText } from "../src/discord/views/escape.js";
import { showMemberText, showMessage } from "../src/discord/views/text.js";
import { memberText, UserError } from "../src/errors.js";

describe("the one escaper of member text", () => {
  it("escapes every markdown character, so member text renders as typed", () => {
    expect(escapeMemberText("**Big** _hit_ `x` ~~y~~ || z || > q")).toBe(
      "\\*\\*Big\\*\\* \\_hit\\_ \\`x\\` \\~\\~y\\~\\~ \\|\\| z \\|\\| \\> q",
    );
    expect(escapeMemberText("# [site](https://a.example) - 1. \\")).toBe("\\# \\[site\\]\\(https://a.example\\) \\- 1. \\\\");
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
