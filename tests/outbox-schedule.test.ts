// The schedules as node-cron reads them in the campaign's time zone, and quiet hours, across a DST change.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { capWindows, cronFiresAt, inQuietHours, nextCronRuns, quietHoursEnd } from "../src/x/schedule.js";

const LA = "America/Los_Angeles";
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("cron schedules in the campaign's time zone", () => {
  it("uses the defaults: posts every 15 minutes, the digest at 18:00", () => {
    const config = loadConfig({ DISCORD_TOKEN: "x".repeat(30), DISCORD_GUILD_ID: "123456789012345678" });
    expect(config.TWEET_CRON).toBe("*/15 * * * *");
    expect(config.DIGEST_CRON).toBe("0 18 * * *");
  });

  it("keeps the digest at 18:00 local time across the end of daylight saving time", () => {
    // Los Angeles: PDT (UTC-7) until 2026-11-01 02:00, then PST (UTC-8).
    expect(iso(nextCronRuns("0 18 * * *", LA, new Date("2026-10-31T00:00:00Z"), 3))).toEqual([
      "2026-10-31T01:00:00.000Z",
      "2026-11-01T01:00:00.000Z",
      "2026-11-02T02:00:00.000Z",
    ]);
    expect(cronFiresAt("0 18 * * *", LA, new Date("2026-11-02T02:00:00Z"))).toBe(true);
    expect(cronFiresAt("0 18 * * *", LA, new Date("2026-11-02T01:00:00Z"))).toBe(false);
  });

  it("keeps the 18:00 digest across the start of daylight saving time", () => {
    // 2026-03-08: PST (UTC-8) to PDT (UTC-7).
    expect(iso(nextCronRuns("0 18 * * *", LA, new Date("2026-03-07T00:00:00Z"), 3))).toEqual([
      "2026-03-07T02:00:00.000Z",
      "2026-03-08T02:00:00.000Z",
      "2026-03-09T01:00:00.000Z",
    ]);
  });

  it("posts every 15 minutes straight through the repeated hour", () => {
    const runs = nextCronRuns("*/15 * * * *", LA, new Date("2026-11-01T07:50:00Z"), 10); // 00:50 PDT
    const gaps = runs.slice(1).map((d, i) => d.getTime() - runs[i]!.getTime());
    expect(gaps.every((g) => g === 15 * 60_000)).toBe(true);
  });
});

describe("quiet hours", () => {
  it("holds from 23:00 to 08:00 local time, both sides of the change", () => {
    expect(inQuietHours(new Date("2026-10-31T05:59:00Z"), "23-08", LA)).toBe(false); // 22:59 PDT
    expect(inQuietHours(new Date("2026-10-31T06:00:00Z"), "23-08", LA)).toBe(true); // 23:00 PDT
    expect(inQuietHours(new Date("2026-11-01T15:59:00Z"), "23-08", LA)).toBe(true); // 07:59 PST
    expect(inQuietHours(new Date("2026-11-01T16:00:00Z"), "23-08", LA)).toBe(false); // 08:00 PST
    expect(quietHoursEnd(new Date("2026-11-01T10:00:00Z"), "23-08", LA)?.toISOString()).toBe(
      "2026-11-01T16:00:00.000Z",
    );
  });

  it("handles a daytime range, and none", () => {
    expect(inQuietHours(new Date("2026-11-29T13:00:00Z"), "12-14", "UTC")).toBe(true);
    expect(inQuietHours(new Date("2026-11-29T14:00:00Z"), "12-14", "UTC")).toBe(false);
    expect(inQuietHours(new Date("2026-11-29T03:00:00Z"), undefined, "UTC")).toBe(false);
    expect(inQuietHours(new Date("2026-11-29T03:00:00Z"), "5-5", "UTC")).toBe(false);
  });

  it("starts the cap windows at local midnight and the first of the month", () => {
    const w = capWindows(new Date("2026-11-01T07:30:00Z"), LA); // 00:30 PDT, Nov 1
    expect(w.day.toISOString()).toBe("2026-11-01T07:00:00.000Z");
    expect(w.month.toISOString()).toBe("2026-11-01T07:00:00.000Z");
    expect(w.dayKey).toBe("2026-11-01");
  });
});
