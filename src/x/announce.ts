// Every milestone also goes to the announce channel, as an embed with its card, soon after the crossing
// (not on the X schedule: quiet hours and caps are about X). A row is marked only after Discord took the
// message; the Discord nonce keeps a retry after a crash from showing it twice. A milestone whose metric is
// back under its threshold is not shown until it is reached again.
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { renderCard } from "../card/card.js";
import type { Announcer } from "./outbox.js";
import { milestoneShortfall, parseCard } from "../services/tweetOutbox.js";

export async function announceMilestones(
  deps: { db: Db; log: Logger; announcer: Announcer | null },
  limit = 5,
): Promise<number> {
  const rows = await deps.db.tweetOutbox.findMany({
    where: { announce: "pending" },
    orderBy: { id: "asc" },
    take: limit * 4,
  });
  let shown = 0;
  for (const row of rows) {
    if (shown >= limit) break;
    // Fell back under its threshold since it was crossed: shown once it is reached again (see milestoneShortfall).
    if (await milestoneShortfall(deps.db, row)) continue;
    if (deps.announcer) {
      const card = parseCard(row);
      try {
        await deps.announcer.milestone({
          key: `milestone:${row.id}`,
          text: row.text,
          png: await renderCard(card),
          alt: row.altText,
          headline: card.headline,
        });
      } catch (err) {
        deps.log.warn({ err, tweet: row.id }, "could not announce a milestone; will retry");
        break;
      }
    } else {
      deps.log.info({ tweet: row.id, text: row.text }, "milestone reached (no ANNOUNCE_CHANNEL_ID to show it in)");
    }
    await deps.db.tweetOutbox.updateMany({ where: { id: row.id, announce: "pending" }, data: { announce: "done" } });
    shown++;
  }
  return shown;
}
