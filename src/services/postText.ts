// Post text: templates filled with numbers and organizer-set names only (never text typed by members),
// checked with twitter-text when a template is added, for the largest values it can ever take, so that a
// post never turns out too long at posting time.
import twitterText from "twitter-text";
import { UserError } from "../errors.js";
import { formatCount, formatMoney, MAX_CENTS } from "./amounts.js";
import { METRICS, type MetricName } from "./metricNames.js";
import { lengthProblem, MAX_TWEET_WEIGHT, type TextLimits } from "./networkText.js";

export { MAX_TWEET_WEIGHT };
export const MAX_CAMPAIGN_NAME = 50;
export const MAX_HASHTAG = 30;
export const MAX_TEMPLATE = 280;

export const PLACEHOLDERS = {
  campaign: "the campaign's name",
  milestone: "the milestone reached, such as 50% of the goal, $10,000 or 1,000",
  threshold: "the milestone's number, such as $10,000 or 1,000",
  value: "the metric's value now",
  percent: "money raised as a percent of the goal",
  raised: "money raised",
  goal: "the goal",
  rsvps: "people going",
  volunteers: "volunteers",
  sets: "sets in the lineup",
  metric: "what the metric counts, in words",
  hashtag: "the campaign hashtag (empty when none)",
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;
export type TemplateValues = Record<Placeholder, string>;

/** Wording when an organizer gave no template. Each names the milestone, so no two posts share a text. */
export const DEFAULT_TEMPLATES: Partial<Record<MetricName, string>> & { other: string } = {
  raised_cents:
    "{campaign} just passed {milestone}: {raised} raised of {goal} ({percent}). Thank you to everyone who gave! {hashtag}",
  rsvps_going: "{milestone} people are going to {campaign}! {raised} raised of {goal} so far. {hashtag}",
  volunteers: "{milestone} volunteers have signed up to help run {campaign}. Thank you! {hashtag}",
  // "Full lineup" is a lineup_sets milestone at the planned number of sets (see README).
  lineup_sets: "The lineup for {campaign} is full: {milestone} DJ sets are ready to play. {hashtag}",
  other: "{campaign} reached {milestone} {metric}! {hashtag}",
};

export function defaultTemplate(metric: string): string {
  return DEFAULT_TEMPLATES[metric as MetricName] ?? DEFAULT_TEMPLATES.other;
}

/** Fills a template; unknown placeholders stay as typed (validateTemplate refuses them earlier). */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template
    .replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole))
    .replace(/[ \t]{2,}/g, " ")
    .replace(/ +([.,!?:;)])/g, "$1")
    .trim();
}

/** The weighted length as X counts it (emoji and CJK 2, a URL 23). */
export function weightedLength(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

/** Why a finished text cannot be posted, or null. */
export function tweetProblem(text: string, allowLinks: boolean): string | null {
  const parsed = twitterText.parseTweet(text);
  if (!text.trim()) return "the post is empty";
  if (!parsed.valid) return `the post is ${parsed.weightedLength} weighted characters; X allows ${MAX_TWEET_WEIGHT}`;
  if (twitterText.extractMentions(text).length)
    return "posts may not mention accounts (X restricts automated mentions)";
  if (!allowLinks && twitterText.extractUrls(text).length)
    return "posts carry no links (a post with a link costs about 13 times more on X); set TWEET_ALLOW_LINKS=true to allow them";
  return null;
}

/** The largest value each placeholder can ever take: the longest name, the largest amounts, 2-weight characters. */
export function worstCaseValues(): TemplateValues {
  const money = "XXX 21,474,836.47"; // a currency without a symbol, at the largest amount a counter holds
  const count = formatCount(MAX_CENTS);
  const longest = (...xs: string[]) => xs.reduce((a, b) => (weightedLength(b) > weightedLength(a) ? b : a));
  return {
    campaign: "字".repeat(MAX_CAMPAIGN_NAME),
    milestone: longest(money, count, "1,000% of the goal", formatMoney(MAX_CENTS, "USD")),
    threshold: longest(money, count),
    value: longest(money, count),
    percent: `${count}%`,
    raised: money,
    goal: money,
    rsvps: count,
    volunteers: count,
    sets: count,
    metric: longest(...Object.values(METRICS)),
    hashtag: `#${"x".repeat(MAX_HASHTAG)}`,
  };
}

/**
 * Refuses a template that could ever make a bad post: unknown placeholders, no milestone number (two posts
 * could then share a text, and X refuses the second as a duplicate), mentions, links (unless allowed), or
 * over 280 weighted characters with the largest values, or over the limit of another configured destination.
 */
export function validateTemplate(template: string, allowLinks: boolean, limits: TextLimits = {}): void {
  const text = template.trim();
  if (!text) throw new UserError("The template is empty. Example: We passed {milestone}! {hashtag}");
  if (text.length > MAX_TEMPLATE)
    throw new UserError(`The template is ${text.length} characters; keep it under ${MAX_TEMPLATE}.`);
  const unknown = [...text.matchAll(/\{(\w*)\}/g)].map((m) => m[1]!).filter((name) => !(name in PLACEHOLDERS));
  if (unknown.length) {
    throw new UserError(
      `Unknown placeholder {${unknown[0]}}. Use: ${Object.keys(PLACEHOLDERS)
        .map((p) => `{${p}}`)
        .join(", ")}.`,
    );
  }
  if (!/\{(milestone|threshold)\}/.test(text)) {
    throw new UserError(
      "The template must include {milestone} or {threshold}, so that each post says which milestone it is (X refuses a post identical to an earlier one).",
    );
  }
  const worst = renderTemplate(text, worstCaseValues());
  const problem = tweetProblem(worst, allowLinks);
  if (problem) {
    const over = weightedLength(worst) > MAX_TWEET_WEIGHT;
    throw new UserError(
      over
        ? `That template can reach ${weightedLength(worst)} weighted characters with the largest values (a 50-character name in CJK, the largest amounts); X allows ${MAX_TWEET_WEIGHT}. Emoji and CJK characters count 2. Shorten it by ${weightedLength(worst) - MAX_TWEET_WEIGHT}.`
        : `That template cannot be used: ${problem}.`,
    );
  }
  // The same text goes to every configured destination: it must fit each of them too.
  const other = lengthProblem(worst, limits);
  if (other) {
    throw new UserError(
      `That template fits X but can reach ${other.message} with the largest values (a 50-character name, the largest amounts; a link counts in full on Bluesky). Shorten it by ${other.length - other.max}.`,
    );
  }
}

/** Checks a campaign name or hashtag before it can reach a post. */
export function validateCampaignName(name: string): string {
  const text = name.trim().replace(/\s+/g, " ");
  if (text.length < 3 || [...text].length > MAX_CAMPAIGN_NAME)
    throw new UserError(`The campaign name must be 3 to ${MAX_CAMPAIGN_NAME} characters.`);
  if (/[@#]/.test(text) || twitterText.extractUrls(text).length || /[<>]/.test(text)) {
    throw new UserError(
      "The campaign name goes into posts on X, so it may not contain @, #, < >, or anything that reads as a link (such as dance.party). Put the hashtag in the hashtag option.",
    );
  }
  return text;
}

export function validateHashtag(tag: string): string {
  const text = tag.trim().replace(/^#/, "");
  if (!new RegExp(`^[A-Za-z][A-Za-z0-9_]{0,${MAX_HASHTAG - 1}}$`).test(text)) {
    throw new UserError(
      `The hashtag must be a letter then letters, digits or _ (at most ${MAX_HASHTAG}), such as KeepDancing.`,
    );
  }
  return text;
}
