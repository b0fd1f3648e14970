// Post text: templates checked with twitter-text for the largest values they can take (emoji and CJK count 2),
// no mentions, no links unless allowed; amounts read strictly.
import { describe, expect, it } from "vitest";
import { parseAmount, requireAmount, formatMoney } from "../src/services/amounts.js";
import { METRICS } from "../src/services/metricNames.js";
import { defaultTemplateProblem } from "../src/services/milestones.js";
import { DIGEST_TEMPLATE } from "../src/x/digest.js";
import {
  MAX_TWEET_WEIGHT,
  renderTemplate,
  tweetProblem,
  validateCampaignName,
  validateHashtag,
  validateTemplate,
  weightedLength,
  worstCaseValues,
} from "../src/services/postText.js";

describe("templates", () => {
  it("accepts a template that fits with the largest values", () => {
    expect(() => validateTemplate("We passed {milestone}! {raised} of {goal} {hashtag}", false)).not.toThrow();
  });

  it("counts emoji and CJK as 2: a template that fits in plain letters is refused in emoji", () => {
    const worst = weightedLength(renderTemplate("{campaign} {milestone}", worstCaseValues()));
    const room = MAX_TWEET_WEIGHT - worst - 1; // the space before the filler
    expect(() => validateTemplate(`{campaign} {milestone} ${"a".repeat(room)}`, false)).not.toThrow();
    expect(() => validateTemplate(`{campaign} {milestone} ${"a".repeat(room + 1)}`, false)).toThrow(
      /weighted characters/,
    );
    // Half as many emoji fill the same room; one more is refused.
    expect(() => validateTemplate(`{campaign} {milestone} ${"🎉".repeat(Math.floor(room / 2))}`, false)).not.toThrow();
    expect(() => validateTemplate(`{campaign} {milestone} ${"🎉".repeat(Math.floor(room / 2) + 1)}`, false)).toThrow(
      /Emoji and CJK characters count 2/,
    );
    expect(() => validateTemplate(`{campaign} {milestone} ${"舞".repeat(Math.floor(room / 2) + 1)}`, false)).toThrow(
      /weighted characters/,
    );
  });

  it("assumes the longest campaign name is in CJK", () => {
    expect(weightedLength(worstCaseValues().campaign)).toBe(100);
    // 100 (name) + 1 + 17 (milestone) + 1 + 162 > 280, though 50 + 1 + 17 + 1 + 162 < 280 in Latin letters.
    expect(() => validateTemplate(`{campaign} {milestone} ${"a".repeat(162)}`, false)).toThrow(/weighted/);
  });

  it("refuses unknown placeholders, templates without the milestone, mentions and links", () => {
    expect(() => validateTemplate("We passed {milestone} {nope}", false)).toThrow(/Unknown placeholder \{nope\}/);
    expect(() => validateTemplate("We did it!", false)).toThrow(/\{milestone\} or \{threshold\}/);
    expect(() => validateTemplate("{milestone}! thanks @someone", false)).toThrow(/mention/);
    expect(() => validateTemplate("{milestone}! give at dance.party/give", false)).toThrow(/TWEET_ALLOW_LINKS/);
    expect(() => validateTemplate("{milestone}! give at https://dance.party/give", true)).not.toThrow();
  });

  it("every default wording (and the digest) fits with the largest values", () => {
    for (const metric of [...Object.keys(METRICS), "other"]) expect(defaultTemplateProblem(metric)).toBeNull();
    const digest = renderTemplate(DIGEST_TEMPLATE.replace("{date}", "Sep 30"), worstCaseValues());
    expect(tweetProblem(digest, false)).toBeNull();
  });

  it("renders numbers and names, tidying the space of an empty hashtag", () => {
    const values = { ...worstCaseValues(), campaign: "Party", milestone: "50% of the goal", hashtag: "" };
    expect(renderTemplate("{campaign} passed {milestone}. {hashtag}", values)).toBe("Party passed 50% of the goal.");
  });

  it("keeps campaign names and hashtags safe for posts", () => {
    expect(validateCampaignName("  A dance   party ")).toBe("A dance party");
    expect(() => validateCampaignName("Party @everyone")).toThrow(/@/);
    expect(() => validateCampaignName("dance.party")).toThrow(/link/);
    expect(() => validateCampaignName("x".repeat(51))).toThrow(/3 to 50/);
    expect(validateHashtag("#KeepDancing")).toBe("KeepDancing");
    expect(() => validateHashtag("keep dancing")).toThrow(/hashtag/);
  });
});

describe("amounts", () => {
  it("reads 33000, 33,000 and 33000.50 as cents", () => {
    expect(parseAmount("33000")).toBe(3_300_000);
    expect(parseAmount("33,000")).toBe(3_300_000);
    expect(parseAmount("33000.50")).toBe(3_300_050);
    expect(parseAmount("33,000.5")).toBe(3_300_050);
    expect(parseAmount(" 0.99 ")).toBe(99);
  });

  it("refuses everything else with an example", () => {
    for (const bad of [
      "33.000,00",
      "33k",
      "$33000",
      "33,00",
      "3,3000",
      "33000.505",
      "-5",
      "1e5",
      "",
      "21474837",
      "33 000",
    ]) {
      expect(parseAmount(bad), bad).toBeNull();
    }
    expect(() => requireAmount("33k", "the total")).toThrow(/33000, 33,000 or 33000.50/);
    expect(() => requireAmount("0", "a donation")).toThrow(/more than zero/);
    expect(requireAmount("0", "the total", { allowZero: true })).toBe(0);
  });

  it("shows whole amounts without cents", () => {
    expect(formatMoney(3_300_000, "USD")).toBe("$33,000");
    expect(formatMoney(3_300_050, "USD")).toBe("$33,000.50");
    expect(formatMoney(100_000, "EUR")).toBe("€1,000");
  });
});

describe("templates against every configured destination", () => {
  const link = `https://example.com/${"a".repeat(200)}`;
  const template = `{campaign} passed {milestone}! {hashtag} ${link}`;

  it("a link counts 23 on X but in full on Bluesky: fits X, refused for Bluesky", () => {
    expect(() => validateTemplate(template, true)).not.toThrow();
    expect(() => validateTemplate(template, true, { bluesky: 300 })).toThrow(
      /fits X but can reach \d+ graphemes; Bluesky allows 300/,
    );
    expect(() => validateTemplate(template, true, { mastodon: 500 })).not.toThrow(); // Mastodon counts a link as 23
  });

  it("holds Mastodon to the instance's max_characters, counted in graphemes", () => {
    const t = `{milestone}! ${"e\u0301".repeat(120)}`; // 120 graphemes, 240 code points: X weighs them 240
    expect(() => validateTemplate(t, false, { mastodon: 500 })).not.toThrow();
    expect(() => validateTemplate(t, false, { mastodon: 100 })).toThrow(/characters; Mastodon allows 100/);
  });
});
