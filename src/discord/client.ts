import { Client, GatewayIntentBits, Partials, type RESTOptions } from "discord.js";
import type { Config } from "../config.js";

/**
 * A rate limit longer than this is thrown (RateLimitError) instead of waited out inside discord.js: the DM queue
 * then reschedules the message for when Discord said, instead of holding its job (and its lease) for that long,
 * and an interaction's answer past 10 s would be too late anyway.
 */
export const LONGEST_RATE_LIMIT_WAIT_MS = 10_000;

/**
 * The Discord client with the least it needs: the Guilds intent (channels and roles for announcements).
 * Interactions arrive without any intent, and no privileged intent (members, presences, content) is used.
 */
export function createDiscordClient(config: Pick<Config, "DISCORD_API_URL">, rest: Partial<RESTOptions> = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    // Nothing the bot sends pings anyone unless a call says so explicitly.
    allowedMentions: { parse: [] },
    rest: {
      ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}),
      rejectOnRateLimit: (limit) => Math.max(limit.retryAfter, limit.timeToReset) > LONGEST_RATE_LIMIT_WAIT_MS,
      ...rest,
    },
  });
}
