// One acknowledgement per interaction: the router's timer and a handler that knows it will be slow (drawing
// a card) may both want to defer; whichever asks first sends it, the other waits for the same request.
import { MessageFlags, type RepliableInteraction } from "discord.js";

const deferrals = new WeakMap<RepliableInteraction, Promise<unknown>>();

/** Defers the interaction (a component: its message update; anything else: an ephemeral reply), once. */
export function deferOnce(interaction: RepliableInteraction): Promise<unknown> {
  let deferral = deferrals.get(interaction);
  if (!deferral) {
    deferral = interaction.isMessageComponent()
      ? interaction.deferUpdate()
      : interaction.deferReply({ flags: MessageFlags.Ephemeral });
    deferrals.set(interaction, deferral);
  }
  return deferral;
}

/** The deferral under way or done, if any. */
export function deferralOf(interaction: RepliableInteraction): Promise<unknown> | undefined {
  return deferrals.get(interaction);
}
