// What the outbox tests share: a posting configuration with room to post (no quiet hours, caps well above what a
// test sends), a card to post, and a logger that stays quiet.
import type { CardData } from "../../src/services/cardData.js";
import { createLogger } from "../../src/log.js";
import type { OutboxConfig } from "../../src/x/outbox.js";

export const OUTBOX_CONFIG: OutboxConfig = {
  CAMPAIGN_TIMEZONE: "UTC",
  TWEET_QUIET_HOURS: undefined,
  TWEET_DAILY_CAP: 10,
  TWEET_MONTHLY_CAP: 100,
  TWEET_ALLOW_LINKS: false,
  DJ_REVIEW_CHANNEL_ID: undefined,
  TWEET_RETRY_HOURS: 48,
};

export const SAMPLE_CARD: CardData = {
  name: "A dance party",
  raisedCents: 1_000_000,
  goalCents: 2_000_000,
  currency: "USD",
  rsvps: 10,
  volunteers: 2,
  headline: "Milestone: 50% of the goal",
};

export const silentLog = createLogger({ level: "silent", format: "json" });
