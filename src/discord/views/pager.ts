// The Previous / Next row under every paged list (answers, events, shifts, a track queue).
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from "discord.js";

export interface PagerInput {
  /** 0-based page shown. */
  page: number;
  /** Whether a page follows this one. */
  hasNext: boolean;
  /** The customId of the button that opens page `target` (may be -1 or past the end: those are disabled). */
  customId: (target: number) => string;
  /** A Refresh button between the two, that reopens this page (a live queue). */
  refresh?: boolean;
}

/** The row of page buttons. */
export function pagerRow({ page, hasNext, customId, refresh = false }: PagerInput): ActionRowBuilder<ButtonBuilder> {
  const button = (target: number, label: string) =>
    new ButtonBuilder().setCustomId(customId(target)).setLabel(label).setStyle(ButtonStyle.Secondary);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    button(page - 1, "Previous").setDisabled(page === 0),
    ...(refresh ? [button(page, "Refresh")] : []),
    button(page + 1, "Next").setDisabled(!hasNext),
  );
}

/** The row as a list of components: none when everything fits on one page. */
export function pagerRows(input: PagerInput): ActionRowBuilder<ButtonBuilder>[] {
  return input.page > 0 || input.hasNext ? [pagerRow(input)] : [];
}
