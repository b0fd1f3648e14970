// /calendar: a member's private calendar feed of their own events and shifts (link), and a new one that
// turns the old link off (reset). The token is shown once, in an ephemeral answer: only its hash is kept.
import { SlashCommandBuilder } from "discord.js";
import type { BotContext, CommandModule, Response } from "../src/discord/types.js";
import { feedLink } from "../src/services/calendarFeeds.js";
import { discordTime } from "../src/services/time.js";

const data = new SlashCommandBuilder()
  .setName("calendar")
  .setDescription("Your events and shifts in your own calendar app")
  .addSubcommand((s) =>
    s.setName("link").setDescription("Your private calendar address (events you go to, shifts you hold)"),
  )
  .addSubcommand((s) => s.setName("reset").setDescription("A new private address; the old one stops working"))
  .toJSON();

const HOW =
  "Add it as a subscription: Google Calendar > Other calendars > From URL; Apple Calendar > File > New Calendar Subscription; Outlook > Add calendar > Subscribe from web.";

function addresses(ctx: BotContext, token: string): string {
  const url = `${ctx.publicUrl()}/calendar/${token}.ics`;
  return `**${url}**\n(or <${url.replace(/^https?:/, "webcal:")}> to open your calendar app)`;
}

async function link(ctx: BotContext, userId: string, reset: boolean): Promise<Response> {
  const feed = await feedLink(ctx.db, userId, ctx.now(), reset);
  if (feed.token === null) {
    return {
      content: `You already have a private calendar address, made ${discordTime(feed.createdAt, "R")}. Only a fingerprint of it is kept, so it cannot be shown again: \`/calendar reset\` gives you a new one (the old one then stops working).`,
    };
  }
  const lead =
    reset && "replaced" in feed && feed.replaced
      ? "Your old calendar address no longer works. Your new one:"
      : "Your private calendar, with the events you are going to (or waiting for) and your shifts:";
  const publicFeed = `${ctx.publicUrl()}/calendar.ics`;
  return {
    content: [
      lead,
      addresses(ctx, feed.token),
      HOW,
      "Anyone with this address sees your events and shifts: keep it to yourself. `/calendar reset` turns it off and gives you a new one.",
      `Every event and DJ set, for anyone: <${publicFeed}>`,
    ].join("\n"),
  };
}

const calendar: CommandModule = {
  data,
  help: [
    { usage: "/calendar link", summary: "your events and shifts in your own calendar app (a private address)" },
    { usage: "/calendar reset", summary: "a new private calendar address; the old one stops working" },
  ],
  async execute(interaction, ctx) {
    const sub = interaction.options.getSubcommand();
    if (sub === "link") return link(ctx, interaction.user.id, false);
    if (sub === "reset") return link(ctx, interaction.user.id, true);
    return { content: "This command is no longer available. Type / to see the current ones." };
  },
};

export default calendar;
