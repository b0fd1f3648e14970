// The announce channel side of posts: a milestone as an embed with its card, and dry-run posts (no X
// credentials) so organizers see what would go out. Each send carries a nonce with enforce_nonce: a retry
// after a crash returns the earlier message instead of a second one.
import crypto from "node:crypto";
import { AttachmentBuilder, EmbedBuilder, type Client } from "discord.js";
import type { Logger } from "../log.js";
import type { AnnouncedPost, Announcer } from "../x/outbox.js";
import { weightedLength } from "../x/text.js";

const CARD_FILE = "progress-card.png";

export function createDiscordAnnouncer(client: Client, channelId: string | undefined, log: Logger): Announcer | null {
  if (!channelId) return null;

  async function send(post: AnnouncedPost, embed: EmbedBuilder): Promise<void> {
    const channel = await client.channels.fetch(channelId!);
    if (!channel?.isSendable()) throw new Error(`channel ${channelId} cannot take messages`);
    const file = new AttachmentBuilder(post.png, { name: CARD_FILE, description: post.alt.slice(0, 1024) });
    await channel.send({
      embeds: [embed.setImage(`attachment://${CARD_FILE}`)],
      files: [file],
      nonce: nonceFor(post.key),
      enforceNonce: true,
      allowedMentions: { parse: [] },
    });
    log.debug({ key: post.key }, "shown in the announce channel");
  }

  return {
    milestone: (post) =>
      send(post, new EmbedBuilder().setColor(0xe9407a).setTitle(post.headline ?? "Milestone reached").setDescription(post.text)),
    dryRun: (post) =>
      send(
        post,
        new EmbedBuilder()
          .setColor(0x8a84b3)
          .setTitle("Dry run: this would be posted on X now")
          .setDescription(post.text)
          .setFooter({ text: `${weightedLength(post.text)}/280 weighted characters, with the card below. No X credentials are set, so nothing was posted.` }),
      ),
  };
}

/** Discord nonces are at most 25 characters. */
function nonceFor(key: string): string {
  return crypto.createHash("sha256").update(`tweet:${key}`).digest("base64url").slice(0, 25);
}
