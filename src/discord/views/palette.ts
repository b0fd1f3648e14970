// The colours of the bot's embeds, in one place.
export const COLORS = {
  /** The campaign's colour: events, the campaign, DJs, help, milestone posts. */
  campaign: 0xe9407a,
  /** Volunteer shifts. */
  volunteer: 0x3ba55d,
  /** An approved DJ offer. */
  approved: 0x2ecc71,
  /** A declined or withdrawn DJ offer. */
  closed: 0x95a5a6,
  /** A cancelled event's announcement. */
  cancelled: 0x777777,
  /** A dry-run post shown in the announce channel (what would have gone to X). */
  dryRun: 0x8a84b3,
} as const;
