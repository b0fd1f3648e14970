import { describe, expect, it } from "vitest";
import fs from "node:fs";
import { CONFIG_KEYS, ConfigError, loadConfig } from "../src/config.js";

const TOKEN = "MTIz.fake-token-for-tests.abcdefghijklmnop";
const GUILD = "123456789012345678";
/** The two variables every configuration needs. */
const BASE = { DISCORD_TOKEN: TOKEN, DISCORD_GUILD_ID: GUILD };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected the configuration to be refused");
}

describe("configuration", () => {
  it("names every missing required variable in one message that points at .env.example", () => {
    try {
      loadConfig({});
      expect.unreachable();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain("DISCORD_TOKEN is missing");
      expect(message).toContain("DISCORD_GUILD_ID is missing: the id of your campaign's server");
      expect(message).toContain(".env.example");
      expect(message).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    }
  });

  it("fills in defaults", () => {
    const config = loadConfig(BASE);
    expect(config.DATABASE_URL).toBe("file:./data/keep-dancing.db");
    expect(config.CAMPAIGN_TIMEZONE).toBe("UTC");
    expect(config.LOG_LEVEL).toBe("info");
    expect(config.RSVP_MAX_GUESTS).toBe(5);
    expect(config.TWEET_DAILY_CAP).toBe(10);
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.HTTP_HOST).toBe("127.0.0.1");
    expect(config.PUBLIC_URL).toBeUndefined();
    expect(config.twitter).toBeNull();
    expect(config.MEMBER_RATE_LIMIT).toBe(10);
    expect(config.MEMBER_RATE_WINDOW_SECONDS).toBe(10);
  });

  it("requires the campaign's server: the bot serves that one server only", () => {
    expect(problems({ DISCORD_TOKEN: TOKEN })).toEqual([
      expect.stringMatching(/^DISCORD_GUILD_ID is missing: the id of your campaign's server/),
    ]);
    expect(problems({ DISCORD_TOKEN: TOKEN, DISCORD_GUILD_ID: " " })[0]).toMatch(/^DISCORD_GUILD_ID is missing/);
  });

  it("never echoes the password of a mistyped DATABASE_URL", () => {
    const found = problems({ ...BASE, DATABASE_URL: "postgress://keep:hunter2secret@db.example.org:5432/keep" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^DATABASE_URL \(got "postgress:\/\/keep:\*\*\*@db\.example\.org:5432\/keep"\) must be file:/,
    );
    expect(found.join("\n")).not.toContain("hunter2secret");
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ ...BASE, ANNOUNCE_CHANNEL_ID: "", TWITTER_API_KEY: " " }).ANNOUNCE_CHANNEL_ID).toBeUndefined();
  });

  const malformed: [string, string, RegExp][] = [
    ["DISCORD_TOKEN", "Bot abc.def", /DISCORD_TOKEN must be the token alone/],
    ["DISCORD_GUILD_ID", "my-server", /DISCORD_GUILD_ID \(got "my-server"\) must be a Discord id/],
    ["DISCORD_API_URL", "localhost:3000", /DISCORD_API_URL .* must be an http\(s\) URL/],
    ["DATABASE_URL", "mysql://db/x", /DATABASE_URL .* must be file:/],
    ["CAMPAIGN_TIMEZONE", "Mars/Olympus", /CAMPAIGN_TIMEZONE \(got "Mars\/Olympus"\) must be an IANA time zone/],
    ["ORGANIZER_ROLE_ID", "organizers", /ORGANIZER_ROLE_ID .* must be a Discord id/],
    [
      "STRIPE_WEBHOOK_SECRET",
      "sk_live_oops",
      /STRIPE_WEBHOOK_SECRET must be the signing secret .* starting with whsec_/,
    ],
    ["KOFI_VERIFICATION_TOKEN", "short", /KOFI_VERIFICATION_TOKEN must be the verification token/],
    [
      "DONATION_WEBHOOK_SECRET",
      "whsec_c2hvcnQ=",
      /DONATION_WEBHOOK_SECRET must be whsec_ followed by at least 24 random bytes/,
    ],
    ["DONATION_CHANNEL_ID", "#thanks", /DONATION_CHANNEL_ID .* must be a Discord id/],
    ["ANNOUNCE_CHANNEL_ID", "#general", /ANNOUNCE_CHANNEL_ID .* must be a Discord id/],
    ["TWITTER_API_URL", "ftp://x", /TWITTER_API_URL .* must be an http\(s\) URL/],
    ["LOG_LEVEL", "loud", /LOG_LEVEL .* must be one of/],
    ["RSVP_MAX_GUESTS", "lots", /RSVP_MAX_GUESTS .* must be a whole number from 0 to 50/],
    ["TWEET_CRON", "every hour", /TWEET_CRON .* must be a cron expression/],
    ["TWEET_QUIET_HOURS", "night", /TWEET_QUIET_HOURS .* must be two hours of the day/],
    ["TWEET_ALLOW_LINKS", "maybe", /TWEET_ALLOW_LINKS .* must be true or false/],
    ["HTTP_PORT", "70000", /HTTP_PORT .* must be a whole number from 0 to 65535/],
    ["HTTP_HOST", "my host", /HTTP_HOST .* must be an address to listen on/],
    ["PUBLIC_URL", "party.example.org", /PUBLIC_URL .* must be an http\(s\) URL/],
    ["DISCORD_INVITE_URL", "discord.gg/x", /DISCORD_INVITE_URL .* must be an http\(s\) URL/],
    ["METRICS_TOKEN", "short", /METRICS_TOKEN must be at least 16 characters/],
    ["MEMBER_RATE_LIMIT", "0", /MEMBER_RATE_LIMIT .* must be a whole number from 1 to/],
    ["MEMBER_RATE_WINDOW_SECONDS", "soon", /MEMBER_RATE_WINDOW_SECONDS .* must be a whole number from 1 to 3600/],
  ];
  for (const [name, value, expected] of malformed) {
    it(`names a malformed ${name} with what is expected`, () => {
      const found = problems({ ...BASE, [name]: value });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    });
  }

  it("wants the X credentials as a set of four, naming the missing ones, and never echoes a secret", () => {
    const found = problems({ ...BASE, TWITTER_API_KEY: "key-value-secret", TWITTER_ACCESS_TOKEN: "tok-secret" });
    expect(found.map((p) => p.split(" ")[0])).toEqual(["TWITTER_API_SECRET", "TWITTER_ACCESS_SECRET"]);
    expect(found.join("\n")).not.toContain("key-value-secret");
    const all = loadConfig({
      ...BASE,
      TWITTER_API_KEY: "a",
      TWITTER_API_SECRET: "b",
      TWITTER_ACCESS_TOKEN: "c",
      TWITTER_ACCESS_SECRET: "d",
    });
    expect(all.twitter).toEqual({ appKey: "a", appSecret: "b", accessToken: "c", accessSecret: "d" });
  });

  it("wants Bluesky and Mastodon whole or not at all, naming the missing variable", () => {
    expect(problems({ ...BASE, BLUESKY_IDENTIFIER: "keepdancing.bsky.social" }).map((p) => p.split(" ")[0])).toEqual([
      "BLUESKY_APP_PASSWORD",
    ]);
    expect(problems({ ...BASE, BLUESKY_SERVICE: "https://pds.example.com" }).map((p) => p.split(" ")[0])).toEqual([
      "BLUESKY_IDENTIFIER",
      "BLUESKY_APP_PASSWORD",
    ]);
    const mastodon = problems({ ...BASE, MASTODON_ACCESS_TOKEN: "tok-secret" });
    expect(mastodon.map((p) => p.split(" ")[0])).toEqual(["MASTODON_URL"]);
    expect(mastodon.join("\n")).not.toContain("tok-secret");
    expect(problems({ ...BASE, BLUESKY_IDENTIFIER: "not a handle", BLUESKY_APP_PASSWORD: "a" })[0]).toMatch(
      /^BLUESKY_IDENTIFIER \(got "not a handle"\) must be the account's handle/,
    );

    const none = loadConfig(BASE);
    expect([none.bluesky, none.mastodon]).toEqual([null, null]);
    const both = loadConfig({
      ...BASE,
      BLUESKY_IDENTIFIER: "@keepdancing.bsky.social",
      BLUESKY_APP_PASSWORD: "abcd-efgh-ijkl-mnop",
      MASTODON_URL: "https://mastodon.social/",
      MASTODON_ACCESS_TOKEN: "t",
    });
    expect(both.bluesky).toEqual({
      service: "https://bsky.social",
      identifier: "keepdancing.bsky.social",
      password: "abcd-efgh-ijkl-mnop",
    });
    expect(both.mastodon).toEqual({ url: "https://mastodon.social", accessToken: "t" });
  });

  it("reports several problems at once", () => {
    const found = problems({ CAMPAIGN_TIMEZONE: "Nowhere", LOG_LEVEL: "x" });
    expect(found.map((p) => p.split(" ")[0]).sort()).toEqual([
      "CAMPAIGN_TIMEZONE",
      "DISCORD_GUILD_ID",
      "DISCORD_TOKEN",
      "LOG_LEVEL",
    ]);
  });
});

describe(".env.example and the README", () => {
  it("document every variable the bot reads, and no other", () => {
    const example = fs.readFileSync(".env.example", "utf8");
    const documented = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...CONFIG_KEYS].sort());
    const readme = fs.readFileSync("README.md", "utf8");
    for (const key of CONFIG_KEYS) expect(readme, `README should document ${key}`).toContain(`\`${key}\``);
  });

  it("is a valid configuration once the token and the server are filled in", () => {
    const example = fs.readFileSync(".env.example", "utf8");
    const env = Object.fromEntries([...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(() => loadConfig({ ...env, ...BASE })).not.toThrow();
  });
});
