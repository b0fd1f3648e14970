import { Client, GatewayIntentBits, Partials } from "discord.js";
import type { Config } from "../config.js";

/**
 * The Discord client with the least it needs: the Guilds intent (channels and roles for announcements).
 * Interactions arrive without any intent, and no privileged intent (members, presences, content) is used.
 */
export function createDiscordClient(config: Pick<Config, "DISCORD_API_URL">): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    // Nothing the bot sends pings anyone unless a call says so explicitly.
    allowedMentions: { parse: [] },
    rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {},
  });
}
