// What gets into the router's queue at all, decided before any handler or database work:
// 1. only interactions from the campaign's server (DISCORD_GUILD_ID): another server the bot was added to,
//    or a DM, gets a short refusal, since their "Manage Server" means nothing for our campaign;
// 2. each member's fair share (src/discord/fairness.ts): past it, an ephemeral "slow down", or an empty
//    autocomplete. These answers are one callback each and never touch the database.
import { MessageFlags, type Interaction } from "discord.js";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { createFairness } from "./fairness.js";

export const OUTSIDE_GUILD = "This bot serves one community's server only, and does nothing here.";

/**
 * Answers an interaction that will not be worked, with no database work: an ephemeral `content`, or an empty
 * list for an autocomplete. Never rejects (a refusal that cannot be sent is only worth a debug line).
 */
export function refuseUnworked(interaction: Interaction, content: string, log: Logger): Promise<void> {
  const sent = interaction.isAutocomplete()
    ? interaction.respond([])
    : interaction.isRepliable()
      ? interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } })
      : Promise.resolve();
  return sent.then(
    () => undefined,
    (err: unknown) => log.debug({ err }, "could not send a refusal"),
  );
}

export type Admitted =
  { admitted: true; release: () => void; ready?: Promise<void> } | { admitted: false; answered: Promise<void> };

export function createAdmission(
  config: Pick<Config, "DISCORD_GUILD_ID" | "MEMBER_RATE_LIMIT" | "MEMBER_RATE_WINDOW_SECONDS">,
  log: Logger,
) {
  const fairness = createFairness({
    limit: config.MEMBER_RATE_LIMIT,
    windowMs: config.MEMBER_RATE_WINDOW_SECONDS * 1000,
  });

  const refuse = (interaction: Interaction, content: string) => refuseUnworked(interaction, content, log);

  return {
    admit(interaction: Interaction, now: number): Admitted {
      if (interaction.guildId !== config.DISCORD_GUILD_ID) {
        log.debug(
          { guild: interaction.guildId ?? "dm", user: interaction.user.id },
          "refused an interaction from outside DISCORD_GUILD_ID",
        );
        return { admitted: false, answered: refuse(interaction, OUTSIDE_GUILD) };
      }
      const lane = interaction.isAutocomplete() ? "autocomplete" : "action";
      const decision = fairness.admit(interaction.user.id, lane, now);
      if (decision.ok)
        return { admitted: true, release: decision.release, ...(decision.ready ? { ready: decision.ready } : {}) };
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      const content = `Slow down: that is a lot at once. Try again in ${seconds} s.`;
      return { admitted: false, answered: refuse(interaction, content) };
    },
  };
}
