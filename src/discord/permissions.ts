import { GuildMember, PermissionFlagsBits, type Interaction } from "discord.js";
import type { Config } from "../config.js";
import { UserError } from "../errors.js";
import { memberRoleIds } from "./members.js";

/** What organizer commands carry as default_member_permissions: Discord hides them from other members. */
export const ORGANIZER_PERMISSIONS = PermissionFlagsBits.ManageEvents;

/**
 * Whether the member runs the campaign: they hold ORGANIZER_ROLE_ID, or may manage the campaign's server
 * or its events. Checked on the server side for every organizer action (commands, buttons, selects,
 * autocomplete), since default_member_permissions can be overridden by a server's admins and does not
 * cover components.
 *
 * Two traps this avoids:
 * - Only the campaign's server counts (DISCORD_GUILD_ID): anyone owns Manage Server in their own server.
 * - Server-wide permissions, from the member's roles (and ownership), not `interaction.memberPermissions`,
 *   which includes channel overwrites: Manage Events granted on one channel does not make an organizer.
 */
export function isOrganizer(
  interaction: Interaction,
  config: Pick<Config, "ORGANIZER_ROLE_ID" | "DISCORD_GUILD_ID">,
): boolean {
  if (interaction.guildId !== config.DISCORD_GUILD_ID) return false;
  const roleId = config.ORGANIZER_ROLE_ID;
  if (roleId !== undefined && memberRoleIds(interaction).includes(roleId)) return true;
  const member = interaction.member;
  // A GuildMember (the server is cached, as it is with the Guilds intent) knows its roles' permissions.
  // The raw API member only carries the channel's computed permissions: not good enough, so no.
  if (!(member instanceof GuildMember)) return false;
  const perms = member.permissions;
  return perms.has(PermissionFlagsBits.ManageGuild) || perms.has(PermissionFlagsBits.ManageEvents);
}

export function requireOrganizer(
  interaction: Interaction,
  config: Pick<Config, "ORGANIZER_ROLE_ID" | "DISCORD_GUILD_ID">,
): void {
  if (!isOrganizer(interaction, config)) {
    throw new UserError(
      "Only organizers can do that. Ask someone with the organizer role, or see /help for what you can do.",
      "forbidden",
    );
  }
}
