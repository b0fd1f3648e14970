import fs from "node:fs";
import path from "node:path";
import type { StoredMessage } from "../discord/index.js";
import { donationsArrive } from "./donations.js";
import type { Tour } from "./types.js";

/** Money comes in; milestones are crossed (one passed over), announced with the card, posted to Bluesky and Mastodon, and to X as dry runs. */
export async function campaignChapter(tour: Tour): Promise<void> {
  const { ava, ben } = tour.cast;
  const announce = tour.discord.guild.channels.announce;
  const milestone = (headline: string) => () =>
    tour.discord.messages(announce).find((m) => m.embeds[0]?.title === headline);

  tour.chapter("The campaign and its goal");
  await tour.command(
    ava,
    "campaign",
    { name: "A dance party for the dancing man", goal: "20,000", hashtag: "KeepDancing" },
    { subcommand: "setup" },
  );
  tour.narrate("Amounts are read strictly: a typo is refused with an example, never guessed.");
  await tour.command(ava, "campaign", { amount: "10.400,00" }, { subcommand: "donation" });
  await tour.command(ava, "campaign", { amount: "10,400", note: "the first weekend" }, { subcommand: "donation" });
  tour.narrate("That one jump passed 25 % and 50 %: only 50 % is posted, 25 % is marked passed over.");
  await tour.waitFor(milestone("Milestone: 50% of the goal"), 20_000);
  await donationsArrive(tour);

  tour.chapter("Past the goal");
  await tour.command(ava, "campaign", { total: "20,150", note: "fundraising page" }, { subcommand: "raised" });
  await tour.waitFor(milestone("Milestone: 100% of the goal"), 20_000);
  await tour.command(ava, "campaign", { total: "33,000", note: "fundraising page, final" }, { subcommand: "raised" });
  const reached = await tour.waitFor(milestone("Milestone: 150% of the goal"), 20_000);
  const shown = tour.discord.messages(announce);
  tour.showChannel(announce, {
    title: "Every milestone in the announce channel, with its card",
    last: shown.length - shown.findIndex((m) => m.id === reached.id),
  });
  await tour.command(ben, "campaign", {}, { subcommand: "status" });

  tour.chapter("What goes to X, Bluesky and Mastodon");
  tour.narrate(
    "There are no X credentials here, so posts to X are dry runs: recorded, logged, and shown to organizers in the announce channel. Bluesky and Mastodon are configured (their local emulators): each post goes there once, with the card and its alt text.",
  );
  const preview = await tour.command(ava, "campaign", {}, { subcommand: "preview" });
  let dryRun: StoredMessage | undefined;
  try {
    // TWEET_CRON decides when; the demo runs it every few seconds, a campaign every 15 minutes.
    dryRun = await tour.waitFor(
      () =>
        tour.discord
          .messages(announce)
          .find((m) => m.embeds[0]?.title?.startsWith("Dry run") && String(m.embeds[0]?.description).includes("150%")),
      20_000,
    );
    tour.showChannel(announce, { title: "The dry-run post, as it would appear on X", last: 1 });
  } catch {
    tour.narrate(
      "The next TWEET_CRON run (every 15 minutes by default) will post it; /campaign preview above shows it.",
    );
  }
  try {
    const onBluesky = await tour.waitFor(
      () => tour.bluesky.records.find((r) => String(r.value.text).includes("150%")),
      20_000,
    );
    const onMastodon = await tour.waitFor(() => tour.mastodon.statuses.find((s) => s.text.includes("150%")), 20_000);
    const facets = (onBluesky.value.facets as { features: { tag?: string }[] }[] | undefined) ?? [];
    tour.narrate(
      `On Bluesky (${onBluesky.uri}): "${String(onBluesky.value.text)}", the hashtag a facet (${facets.flatMap((f) => f.features.map((x) => `#${x.tag}`)).join(", ") || "none"}).`,
    );
    tour.narrate(
      `On Mastodon (status ${onMastodon.id}): "${onMastodon.text}", with ${onMastodon.mediaIds.length} image and its description.`,
    );
  } catch {
    tour.narrate("Bluesky and Mastodon get it at the next TWEET_CRON run.");
  }
  await tour.command(ava, "campaign", {}, { subcommand: "history" });
  const card = (dryRun?.attachments ?? preview.attachments).find((a) => a.name.endsWith(".png"));
  if (card) {
    const file = path.join(tour.outDir, "progress-card.png");
    fs.writeFileSync(file, card.data);
    tour.narrate(
      `The card of ${dryRun ? "that post" : "the next post"} is saved to ${file} (the README shows one: src/card/example-card.png).`,
    );
  }
}
