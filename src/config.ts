// The bot's configuration: environment variables (and .env), validated once at start.
// Every problem is reported at once, in words, naming what is expected; see .env.example.
import { config as loadDotenv } from "dotenv";
import cron from "node-cron";
import { z } from "zod";

const snowflake = (what: string) => z.string().regex(/^\d{17,20}$/, `must be a Discord id (17 to 20 digits): ${what}`);
const httpUrl = z
  .string()
  .refine((u) => URL.canParse(u) && /^https?:\/\//.test(u), "must be an http(s) URL such as http://127.0.0.1:8080/api")
  .transform((u) => u.replace(/\/+$/, ""));
const integer = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);
const hourList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (s) => s.split(",").every((h) => /^\s*\d{1,3}(\.\d+)?\s*$/.test(h)),
      "must be hours separated by commas, such as 24,1",
    )
    .transform((s) => s.split(",").map((h) => Number(h.trim())));
const cronExpression = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((s) => cron.validate(s), "must be a cron expression such as */15 * * * * (minute hour day month weekday)");
const boolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const schema = z
  .object({
    DISCORD_TOKEN: z
      .string({
        error: "is missing: the bot token from the Discord developer portal (your application > Bot > Reset Token)",
      })
      .regex(/^[^\s"']+$/, "must be the token alone, without spaces or quotes"),
    DISCORD_GUILD_ID: z
      .string({
        error:
          "is missing: the id of your campaign's server, the one server the bot serves (Discord: Developer Mode on, right-click the server > Copy Server ID)",
      })
      .regex(/^\d{17,20}$/, "must be a Discord id (17 to 20 digits): the server (guild) the bot serves"),
    DISCORD_API_URL: httpUrl.optional(),
    DATABASE_URL: z
      .string()
      .default("file:./data/keep-dancing.db")
      .refine(
        (u) => /^(file:|postgres(ql)?:\/\/)/.test(u),
        "must be file:./path/to.db (SQLite) or postgresql://user:password@host:5432/db",
      ),
    SHARD_COUNT: integer(1, 1_000, 1),
    CAMPAIGN_TIMEZONE: z
      .string()
      .default("UTC")
      .refine(isTimeZone, "must be an IANA time zone such as UTC, Europe/London or America/Los_Angeles"),
    ORGANIZER_ROLE_ID: snowflake("the role whose members run the campaign").optional(),
    ANNOUNCE_CHANNEL_ID: snowflake("the channel for announcements and milestones").optional(),
    DJ_REVIEW_CHANNEL_ID: snowflake("the channel where organizers review DJ offers").optional(),

    TWITTER_API_KEY: z.string().min(1).optional(),
    TWITTER_API_SECRET: z.string().min(1).optional(),
    TWITTER_ACCESS_TOKEN: z.string().min(1).optional(),
    TWITTER_ACCESS_SECRET: z.string().min(1).optional(),
    TWITTER_API_URL: httpUrl.optional(),

    BLUESKY_IDENTIFIER: z
      .string()
      .regex(
        /^(@?[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}|did:[a-z]+:[a-zA-Z0-9._:%-]+)$/,
        "must be the account's handle (such as keepdancing.bsky.social) or its DID",
      )
      .transform((h) => h.replace(/^@/, ""))
      .optional(),
    BLUESKY_APP_PASSWORD: z.string().min(1).optional(),
    BLUESKY_SERVICE: httpUrl.optional(),
    MASTODON_URL: httpUrl.optional(),
    MASTODON_ACCESS_TOKEN: z
      .string()
      .regex(/^[^\s"']+$/, "must be the token alone, without spaces or quotes")
      .optional(),

    RSVP_MAX_GUESTS: integer(0, 50, 5),
    RSVP_REMINDER_HOURS: hourList("24,1"),
    SHIFT_DROP_CUTOFF_HOURS: integer(0, 720, 24),
    SHIFT_REMINDER_HOURS: hourList("24,2"),
    MAX_SHIFTS_PER_VOLUNTEER: z.coerce
      .number({ error: "must be a whole number of at least 1" })
      .int("must be a whole number of at least 1")
      .min(1, "must be a whole number of at least 1")
      .optional(),
    SHIFT_SUMMARY_CRON: cronExpression("0 9 * * *"),
    REQUEST_COOLDOWN_SECONDS: integer(0, 86_400, 120),
    MEMBER_RATE_LIMIT: integer(1, 1_000_000, 10),
    MEMBER_RATE_WINDOW_SECONDS: integer(1, 3_600, 10),
    REQUEST_MAX_OPEN_PER_SET: integer(1, 100, 3),
    REQUEST_BLOCKED_WORDS: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((w) => w.trim().toLowerCase())
          .filter(Boolean),
      ),

    TWEET_CRON: cronExpression("*/15 * * * *"),
    DIGEST_CRON: cronExpression("0 18 * * *"),
    TWEET_QUIET_HOURS: z
      .string()
      .regex(/^([01]?\d|2[0-3])-([01]?\d|2[0-3])$/, "must be two hours of the day such as 23-08 (from 23:00 to 08:00)")
      .optional(),
    TWEET_DAILY_CAP: integer(0, 10_000, 10),
    TWEET_MONTHLY_CAP: integer(0, 100_000, 100),
    TWEET_ALLOW_LINKS: boolean(false),
    // Outages are long (Discord down for an hour, X for a day): transient failures retry this long before giving up.
    DM_RETRY_HOURS: integer(1, 720, 24),
    TWEET_RETRY_HOURS: integer(1, 720, 48),

    HTTP_PORT: integer(0, 65_535, 8080),
    HTTP_HOST: z
      .string()
      .default("127.0.0.1")
      .refine(
        (h) => /^[\w.:-]+$/.test(h),
        "must be an address to listen on, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)",
      ),
    PUBLIC_URL: httpUrl.optional(),
    DISCORD_INVITE_URL: httpUrl.optional(),
    METRICS_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters (a random secret, such as the output of openssl rand -hex 24)")
      .regex(/^[^\s"']+$/, "must be the token alone, without spaces or quotes")
      .optional(),
    // Donations that count themselves (README, "Money that counts itself"): each webhook route exists only
    // when its secret is set.
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(
        /^whsec_[A-Za-z0-9_]+$/,
        "must be the signing secret of your Stripe webhook endpoint, starting with whsec_",
      )
      .optional(),
    KOFI_VERIFICATION_TOKEN: z
      .string()
      .min(8, "must be the verification token from Ko-fi's webhook settings (at least 8 characters)")
      .regex(/^[^\s"']+$/, "must be the token alone, without spaces or quotes")
      .optional(),
    DONATION_WEBHOOK_SECRET: z
      .string()
      .refine(
        (s) => /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) && Buffer.from(s.slice(6), "base64").length >= 24,
        "must be whsec_ followed by at least 24 random bytes in base64, such as the output of: echo whsec_$(openssl rand -base64 32)",
      )
      .optional(),
    DONATION_CHANNEL_ID: snowflake("the channel where each donation gets a short thank-you line").optional(),

    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
    LOG_FORMAT: z.enum(["json", "pretty"], { error: "must be json or pretty" }).default("json"),
  })
  .superRefine((env, ctx) => {
    const keys = ["TWITTER_API_KEY", "TWITTER_API_SECRET", "TWITTER_ACCESS_TOKEN", "TWITTER_ACCESS_SECRET"] as const;
    const given = keys.filter((k) => env[k] !== undefined);
    if (given.length > 0 && given.length < keys.length) {
      for (const k of keys.filter((k) => env[k] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `is missing: the X credentials go as a set of four (${given.join(", ")} ${given.length === 1 ? "is" : "are"} set); set all four, or none for dry-run posts`,
        });
      }
    }
    // A destination is all its variables or none: half of one is a mistake to name, not a silent dry run.
    const sets: [string, (keyof typeof env)[], (keyof typeof env)[]][] = [
      ["Bluesky", ["BLUESKY_IDENTIFIER", "BLUESKY_APP_PASSWORD"], ["BLUESKY_SERVICE"]],
      ["Mastodon", ["MASTODON_URL", "MASTODON_ACCESS_TOKEN"], []],
    ];
    for (const [network, required, optional] of sets) {
      const given = [...required, ...optional].filter((k) => env[k] !== undefined);
      if (given.length === 0) continue;
      for (const k of required.filter((k) => env[k] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `is missing: posting to ${network} needs ${required.join(" and ")} (${given.join(", ")} ${given.length === 1 ? "is" : "are"} set); set them all, or none to leave ${network} out`,
        });
      }
    }
  });

/** `scheme://user:password@host` becomes `scheme://user:***@host`, whatever the scheme (even a mistyped one). */
function hidePassword(value: string): string {
  return value.replace(/^([a-z][\w+.-]*:\/\/[^:/@\s]*):[^@\s]*@/i, "$1:***@");
}

export type Env = z.infer<typeof schema>;

/** Every variable the bot reads (the README's table and .env.example list each one). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Env)[];

export interface Config extends Env {
  /** The four X credentials, or null: then every post is a dry run. */
  twitter: { appKey: string; appSecret: string; accessToken: string; accessSecret: string } | null;
  /** Bluesky's account and app password, or null: then nothing goes to Bluesky. */
  bluesky: { service: string; identifier: string; password: string } | null;
  /** The Mastodon instance and access token, or null: then nothing goes to Mastodon. */
  mastodon: { url: string; accessToken: string } | null;
}

export const DEFAULT_BLUESKY_SERVICE = "https://bsky.social";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      [
        `keep-dancing cannot start: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`} with the configuration.`,
        ...problems.map((p) => `  - ${p}`),
        "Copy .env.example to .env and fill it in: every variable is explained there.",
      ].join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Validates an environment (process.env by default). Empty values count as unset, as in most .env tools. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const seen = new Set<string>();
    const problems = parsed.error.issues.flatMap((issue) => {
      const name = String(issue.path[0] ?? "configuration");
      const value = present[name];
      // Secrets are never echoed, nor the password inside a URL (a mistyped DATABASE_URL still carries it).
      const shown =
        value === undefined || /TOKEN|SECRET|KEY|PASSWORD/.test(name) ? "" : ` (got "${hidePassword(value)}")`;
      // One line per variable: its first problem is the one to fix.
      if (seen.has(name)) return [];
      seen.add(name);
      return [`${name}${shown} ${issue.message}`];
    });
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const twitter =
    env.TWITTER_API_KEY && env.TWITTER_API_SECRET && env.TWITTER_ACCESS_TOKEN && env.TWITTER_ACCESS_SECRET
      ? {
          appKey: env.TWITTER_API_KEY,
          appSecret: env.TWITTER_API_SECRET,
          accessToken: env.TWITTER_ACCESS_TOKEN,
          accessSecret: env.TWITTER_ACCESS_SECRET,
        }
      : null;
  const bluesky =
    env.BLUESKY_IDENTIFIER && env.BLUESKY_APP_PASSWORD
      ? {
          service: env.BLUESKY_SERVICE ?? DEFAULT_BLUESKY_SERVICE,
          identifier: env.BLUESKY_IDENTIFIER,
          password: env.BLUESKY_APP_PASSWORD,
        }
      : null;
  const mastodon =
    env.MASTODON_URL && env.MASTODON_ACCESS_TOKEN
      ? { url: env.MASTODON_URL, accessToken: env.MASTODON_ACCESS_TOKEN }
      : null;
  return { ...env, twitter, bluesky, mastodon };
}

/**
 * For a process's entry point: reads .env, validates, and on a mistake prints the one message naming every
 * problem and exits 1 (no stack trace: the message is the whole story).
 */
export function loadConfigOrExit(): Config {
  loadDotenv({ quiet: true });
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
