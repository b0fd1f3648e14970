// Slash-command options that several commands share.
import type { SlashCommandStringOption } from "discord.js";

/** The event option: autocompleted from upcoming events (the value is the event's id). */
export const eventOption =
  (description: string, required = false) =>
  (option: SlashCommandStringOption) =>
    option.setName("event").setDescription(description).setAutocomplete(true).setRequired(required).setMaxLength(100);
