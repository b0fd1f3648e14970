// Who is interacting, as plain values for the services: a name to show in lists, and the roles they hold.
import type { GuildMember, Interaction } from "discord.js";

/** Role ids of the member (the interaction carries either a cached GuildMember or the raw API member). */
export function memberRoleIds(interaction: Interaction): string[] {
  const m = interaction.member;
  if (!m) return [];
  return Array.isArray(m.roles) ? m.roles : [...(m as GuildMember).roles.cache.keys()];
}

/** The name the server shows for the member: nickname, else global name, else username. */
export function memberDisplayName(interaction: Interaction): string {
  const m = interaction.member;
  const fromMember = m && "displayName" in m ? (m as GuildMember).displayName : m && "nick" in m ? m.nick : null;
  return fromMember ?? interaction.user.globalName ?? interaction.user.username;
}

/** The organizer acting, as the audit trail records them: their id and the name the server shows now. */
export function auditActor(interaction: Interaction): { id: string; name: string } {
  return { id: interaction.user.id, name: memberDisplayName(interaction) };
}
