// Members can make the bot post publicly (/volunteer offer, /dj lineup show). Repeated, that is a way to
// spam a channel in the bot's name, so a public post goes out only where the member may write themselves
// (never in a read-only channel such as the announcements), and at most once per item per channel every
// few minutes; otherwise the answer is for the member alone. The memory is per process and bounded.
import { PermissionFlagsBits, type Interaction } from "discord.js";

export const PUBLIC_POST_WINDOW_MS = 5 * 60_000;
const MAX_KEYS = 10_000;
const lastPosted = new Map<string, number>();

export type PublicPost =
  { ok: true } | { ok: false; reason: "read-only" } | { ok: false; reason: "recent"; again: Date };

/** Whether `key` (an item, such as a shift offer) may be posted publicly in the interaction's channel now; claims it if so. */
export function claimPublicPost(interaction: Interaction, key: string, now: Date): PublicPost {
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.SendMessages)) return { ok: false, reason: "read-only" };
  const slot = `${interaction.channelId}:${key}`;
  const last = lastPosted.get(slot);
  if (last !== undefined && now.getTime() - last < PUBLIC_POST_WINDOW_MS)
    return { ok: false, reason: "recent", again: new Date(last + PUBLIC_POST_WINDOW_MS) };
  if (lastPosted.size >= MAX_KEYS) {
    for (const [k, at] of lastPosted) if (now.getTime() - at >= PUBLIC_POST_WINDOW_MS) lastPosted.delete(k);
    if (lastPosted.size >= MAX_KEYS) lastPosted.clear();
  }
  lastPosted.set(slot, now.getTime());
  return { ok: true };
}
