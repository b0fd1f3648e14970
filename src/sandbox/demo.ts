// `npm run demo`: the local Discord, X, Bluesky and Mastodon emulators, the real bot process started as `npm start` starts it
// (pointed at the emulators, on a temporary database), and a scripted tour of members using it.
// `npm run demo -- --serve` keeps the bot and its public page running after the tour, until Ctrl-C.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBlueskyEmulator } from "./bluesky/index.js";
import { spawnBot } from "./botProcess.js";
import { startDiscordEmulator } from "./discord/index.js";
import { auditChapter } from "./tour/audit.js";
import { campaignChapter } from "./tour/campaign.js";
import { djChapter } from "./tour/dj.js";
import { groundChapter } from "./tour/ground.js";
import { pageChapter } from "./tour/page.js";
import { privacyChapter } from "./tour/privacy.js";
import { rsvpChapter } from "./tour/rsvp.js";
import { shiftsChapter } from "./tour/shifts.js";
import { DEMO_WEBHOOKS } from "./tour/donations.js";
import { createTour } from "./tour/tour.js";
import type { Tour } from "./tour/types.js";
import { startMastodonEmulator } from "./mastodon/index.js";
import { startXEmulator } from "./x/index.js";

// The story in order: the party is announced, people come, volunteers staff it, DJs fill the lineup, and the
// money raised crosses its milestones, which go to X (as dry runs), Bluesky and Mastodon; the public page and the
// calendars show it all; a member leaves and is forgotten.
const CHAPTERS: ((tour: Tour) => Promise<void>)[] = [
  groundChapter,
  rsvpChapter,
  shiftsChapter,
  djChapter,
  campaignChapter,
  auditChapter,
  pageChapter,
  privacyChapter,
];
const serve = process.argv.includes("--serve");

const timezone = "America/Los_Angeles";
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "keep-dancing-demo-"));
const discord = await startDiscordEmulator({ port: 0 });
const x = await startXEmulator({ port: 0 });
const bluesky = await startBlueskyEmulator({ port: 0 });
const mastodon = await startMastodonEmulator({ port: 0 });
console.log(
  `keep-dancing demo: emulators of Discord at ${discord.apiUrl}, X at ${x.apiUrl}, Bluesky at ${bluesky.serviceUrl}, Mastodon at ${mastodon.url}; files in ${outDir}`,
);

const bot = spawnBot(
  {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_GUILD_ID: discord.guild.id,
    DATABASE_URL: `file:${path.join(outDir, "demo.db")}`,
    CAMPAIGN_TIMEZONE: timezone,
    ANNOUNCE_CHANNEL_ID: discord.guild.channels.announce,
    DJ_REVIEW_CHANNEL_ID: discord.guild.channels.review,
    ORGANIZER_ROLE_ID: discord.guild.roles.organizer,
    TWITTER_API_URL: x.apiUrl,
    // No X credentials: posts to X are dry runs, shown in the announce channel, as for a new campaign.
    // Bluesky and Mastodon are configured (their emulators'): every post goes there too, once each.
    BLUESKY_SERVICE: bluesky.serviceUrl,
    BLUESKY_IDENTIFIER: bluesky.account.handle,
    BLUESKY_APP_PASSWORD: bluesky.account.password,
    MASTODON_URL: mastodon.url,
    MASTODON_ACCESS_TOKEN: mastodon.accessToken,
    // The outbox runs every few seconds here (every 15 minutes by default) so the tour sees its post.
    TWEET_CRON: "*/5 * * * * *",
    // The public page on any free port (8080 may be taken on a developer's machine); printed below.
    HTTP_PORT: "0",
    // The tour's members click faster than people do; the default (10 per 10 s) is for people.
    MEMBER_RATE_LIMIT: "1000",
    // Donations that count themselves: this run's webhook secrets (the tour signs with them) and the
    // channel for thank-you lines.
    STRIPE_WEBHOOK_SECRET: DEMO_WEBHOOKS.stripe,
    KOFI_VERIFICATION_TOKEN: DEMO_WEBHOOKS.kofi,
    DONATION_CHANNEL_ID: discord.guild.channels.general,
    LOG_LEVEL: "info",
  },
  {
    cwd: outDir,
    // The bot's own warnings and errors, if any, shown between the lines of the tour.
    onLine: (line) =>
      (line.level ?? 0) >= 40 &&
      console.log(
        `  ⚠ bot log: ${line.msg ?? JSON.stringify(line)}${line.err ? ` (${(line.err as { message?: string }).message})` : ""}`,
      ),
  },
);

let failed = false;
try {
  const listening = await bot.waitForLog((line) => line.msg === "http server listening", 60_000);
  console.log(`The campaign's public page: ${listening.publicUrl}/ (open it in a browser: it follows the tour live)`);
  await bot.waitForLog((line) => line.msg === "ready", 60_000);
  const tour = createTour({ discord, x, bluesky, mastodon, bot, timezone, outDir });
  for (const chapter of CHAPTERS) await chapter(tour);
  console.log(`\nThe tour is over. The bot's database and saved files are in ${outDir}`);
  if (serve) {
    console.log(`Serving the public page at ${listening.publicUrl}/ until Ctrl-C.`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    console.log("Stopping.");
  } else {
    console.log("Run `npm run demo -- --serve` to keep the page open after the tour.");
  }
} catch (err) {
  failed = true;
  console.error(`\nThe demo stopped: ${(err as Error).stack ?? err}`);
  if (bot.stderr.length) console.error(bot.stderr.join(""));
} finally {
  await bot.stop();
  await discord.close();
  await x.close();
  await bluesky.close();
  await mastodon.close();
}
process.exit(failed ? 1 : 0);
