import { EmbedBuilder, SlashCommandBuilder } from "discord.js";
import { isOrganizer } from "../src/discord/permissions.js";
import type { CommandModule, HelpLine } from "../src/discord/types.js";
import { COLORS } from "../src/discord/views/palette.js";

/** The lines the caller may use: organizer lines only for organizers. */
export function helpText(lines: HelpLine[], organizer: boolean): string {
  const visible = lines.filter((l) => organizer || !l.organizer);
  const body = visible.map((l) => `\`${l.usage}\` — ${l.summary}`).join("\n");
  return organizer ? body : `${body}\n\nOrganizers have more commands; they see them in their own /help.`;
}

const help: CommandModule = {
  data: new SlashCommandBuilder()
    .setName("help")
    .setDescription("What this bot does and the commands you can use")
    .toJSON(),
  help: [{ usage: "/help", summary: "this list" }],
  async execute(interaction, ctx) {
    const lines = ctx.commands.flatMap((c) => c.help);
    const embed = new EmbedBuilder()
      .setTitle("What you can do here")
      .setDescription(helpText(lines, isOrganizer(interaction, ctx.config)))
      .setColor(COLORS.campaign);
    return { embeds: [embed] };
  },
};

export default help;
