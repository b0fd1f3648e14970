import { PermissionFlagsBits, type Interaction } from "discord.js";
import type { Config } from "../config.js";
import { UserError } from "../errors.js";
import { memberRoleIds } from "./members.js";

/** What organizer commands carry as default_member_permissions: Discord hides them from other members. */
export const ORGANIZER_PERMISSIONS = PermissionFlagsBits.ManageEvents;

/**
 * Whether the member runs the campaign: they hold ORGANIZER_ROLE_ID, or may manage the server or its events.
 * Checked on the server side for every organizer action, since default_member_permissions can be
 * overridden by a server's admins and does not cover buttons.
 */
export function isOrganizer(interaction: Interaction, config: Pick<Config, "ORGANIZER_ROLE_ID">): boolean {
  const perms = interaction.memberPermissions;
  if (perms?.has(PermissionFlagsBits.ManageGuild) || perms?.has(PermissionFlagsBits.ManageEvents)) return true;
  const roleId = config.ORGANIZER_ROLE_ID;
  return roleId !== undefined && memberRoleIds(interaction).includes(roleId);
}

export function requireOrganizer(interaction: Interaction, config: Pick<Config, "ORGANIZER_ROLE_ID">): void {
  if (!isOrganizer(interaction, config)) {
    throw new UserError("Only organizers can do that. Ask someone with the organizer role, or see /help for what you can do.", "forbidden");
  }
}
