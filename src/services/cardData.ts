// What the progress card shows (src/card draws it): numbers frozen into each post, and the card's alt text.
import { formatCount, formatMoney, percentOf } from "./amounts.js";
import type { MetricName } from "./metricNames.js";

export interface CardData {
  name: string;
  raisedCents: number;
  goalCents: number;
  currency: string;
  rsvps: number;
  volunteers: number;
  /** A line above the numbers, such as "Milestone: 50% of the goal". */
  headline?: string;
}

/** What the card shows, from the campaign and its counters. */
export function cardData(
  campaign: { name: string; goalCents: number; currency: string },
  metrics: Record<MetricName, number>,
  headline?: string,
): CardData {
  return {
    name: campaign.name,
    raisedCents: metrics.raised_cents,
    goalCents: campaign.goalCents,
    currency: campaign.currency,
    rsvps: metrics.rsvps_going,
    volunteers: metrics.volunteers,
    ...(headline ? { headline } : {}),
  };
}

/** The image's description for X's alt text and screen readers. */
export function cardAltText(data: CardData): string {
  const percent = percentOf(data.raisedCents, data.goalCents);
  return [
    `Progress card for ${data.name}.`,
    data.headline ? `${data.headline}.` : "",
    `${formatMoney(data.raisedCents, data.currency)} raised of a ${formatMoney(data.goalCents, data.currency)} goal (${formatCount(percent)}%).`,
    `${formatCount(data.rsvps)} going, ${formatCount(data.volunteers)} ${data.volunteers === 1 ? "volunteer" : "volunteers"}.`,
  ]
    .filter(Boolean)
    .join(" ");
}
