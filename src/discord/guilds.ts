// The bot serves one server, DISCORD_GUILD_ID. Anyone can add a public bot to their own server, where they
// hold Manage Server: left there, it would answer them as organizers of nothing (or, worse, of ours). So it
// leaves every other server, at start and whenever it is added to one, and says so at warn level.
import { Events, type Client, type Guild } from "discord.js";
import type { Logger } from "../log.js";

export function leaveOtherGuilds(client: Client, guildId: string, log: Logger): void {
  const leave = (guild: Guild) => {
    if (guild.id === guildId) return;
    log.warn(
      { guild: guild.id, name: guild.name, owner: guild.ownerId },
      "added to a server other than DISCORD_GUILD_ID: leaving it",
    );
    guild
      .leave()
      .catch((err: unknown) =>
        log.warn({ err, guild: guild.id }, "could not leave a server other than DISCORD_GUILD_ID"),
      );
  };
  client.on(Events.GuildCreate, leave);
  for (const guild of client.guilds.cache.values()) leave(guild);
}
