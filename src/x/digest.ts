// The daily status post (DIGEST_CRON): queued only when the numbers moved since the last one. It carries the
// local date, so two digests never share a text (X would refuse the second as a duplicate).
import { DateTime } from "luxon";
import type { DbOrTx } from "../db/client.js";
import { cardAltText, cardData, type CardData } from "../services/cardData.js";
import { getCampaign } from "../services/campaign.js";
import { formatCount, formatMoney, percentOf } from "../services/amounts.js";
import { readMetrics } from "../services/metrics.js";
import { queueTweet } from "../services/tweetOutbox.js";
import { renderTemplate } from "../services/postText.js";

export const DIGEST_TEMPLATE =
  "{campaign}, {date}: {raised} raised of {goal} ({percent}), {rsvps} going, {volunteers} volunteers. {hashtag}";

/** Queues a digest if the numbers differ from the last one's; returns whether one was queued. */
export async function queueDigest(db: DbOrTx, timeZone: string, now: Date): Promise<boolean> {
  const campaign = await getCampaign(db);
  if (!campaign) return false;
  const metrics = await readMetrics(db);
  const card = cardData(campaign, metrics, "Today's numbers");
  const last = await db.tweetOutbox.findFirst({ where: { kind: "digest" }, orderBy: { id: "desc" } });
  if (
    last
      ? sameNumbers(JSON.parse(last.card) as CardData, card)
      : card.raisedCents === 0 && card.rsvps === 0 && card.volunteers === 0
  )
    return false;
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const money = (c: number) => formatMoney(c, campaign.currency);
  const text = renderTemplate(DIGEST_TEMPLATE.replace("{date}", local.toFormat("LLL d")), {
    campaign: campaign.name,
    raised: money(card.raisedCents),
    goal: money(card.goalCents),
    percent: `${formatCount(percentOf(card.raisedCents, card.goalCents))}%`,
    rsvps: formatCount(card.rsvps),
    volunteers: formatCount(card.volunteers),
    sets: formatCount(metrics.lineup_sets),
    hashtag: campaign.hashtag ? `#${campaign.hashtag}` : "",
    milestone: "",
    threshold: "",
    value: "",
    metric: "",
  });
  return queueTweet(
    db,
    {
      dedupeKey: `digest:${local.toFormat("yyyy-LL-dd'T'HH:mm")}`,
      kind: "digest",
      text,
      altText: cardAltText(card),
      card,
      announce: false,
    },
    now,
  );
}

function sameNumbers(a: CardData, b: CardData): boolean {
  return (
    a.raisedCents === b.raisedCents &&
    a.goalCents === b.goalCents &&
    a.rsvps === b.rsvps &&
    a.volunteers === b.volunteers
  );
}
