// What /campaign preview and /campaign history say about each destination: the text's length by that network's
// rule, and each delivery's state with a link to the post. Plain strings: the command puts them in embeds.
import type { DbOrTx } from "../db/client.js";
import { discordTime } from "../services/time.js";
import { deliveriesOf, networkHold } from "./deliveries.js";
import { lengthOn, maxOn, unitOf, type TextLimits } from "../services/networkText.js";
import { NETWORK_NAMES, type Network } from "./networks.js";

type Delivery = Awaited<ReturnType<typeof deliveriesOf>>[number];

/** One line per destination: length against its limit, and what holds that network now. */
export async function previewLines(
  db: DbOrTx,
  text: string,
  destinations: Network[],
  xDryRun: boolean,
  limits: TextLimits,
  now: Date,
): Promise<string[]> {
  const lines: string[] = [];
  for (const network of destinations) {
    const length = lengthOn(network, text);
    const max = maxOn(network, limits);
    const hold = await networkHold(db, network, now);
    const held =
      hold?.reason === "auth"
        ? " · paused: it refused the credentials (/campaign resume after fixing them)"
        : hold?.reason === "rate_limited"
          ? ` · rate-limited until ${discordTime(hold.until, "R")}`
          : "";
    const name =
      network === "x" && xDryRun
        ? "X (dry run: no X credentials, shown in the announce channel only)"
        : NETWORK_NAMES[network];
    lines.push(`**${name}**: ${length}/${max} ${unitOf(network)}${length > max ? " · too long" : ""}${held}`);
  }
  return lines;
}

function deliveryState(d: Delivery): string {
  const when = (at: Date | null) => (at ? discordTime(at, "f") : "");
  if (d.status === "posted") {
    if (d.dryRun) return `dry run ${when(d.postedAt)}`;
    const link = d.postUrl
      ? `[post](${d.postUrl})`
      : d.postId
        ? `id ${d.postId}`
        : "it already had it (id not returned)";
    return `posted ${when(d.postedAt)} · ${link}`;
  }
  if (d.status === "failed") return `failed: ${(d.lastError ?? "").slice(0, 100)}`;
  return `waiting${d.attempts ? ` (${d.attempts} attempts; ${(d.lastError ?? "").slice(0, 60)})` : ""}`;
}

/** Each row's deliveries, one line each, under the row. */
export async function historyLines(
  db: DbOrTx,
  rows: { id: number; kind: string; text: string; status: string; lastError: string | null }[],
): Promise<string[]> {
  const deliveries = await deliveriesOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const mine = deliveries.filter((d) => d.outboxId === r.id);
    const states = mine.length
      ? mine.map((d) => `${NETWORK_NAMES[d.network as Network] ?? d.network}: ${deliveryState(d)}`).join("\n")
      : `waiting${r.lastError ? ` (${r.lastError.slice(0, 80)})` : ""}`;
    return `**${r.kind}** · ${r.text.slice(0, 120)}\n${states}`;
  });
}
