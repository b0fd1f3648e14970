// Structured logs (pino): JSON by default, readable with LOG_FORMAT=pretty (the demo uses it).
// Secrets never reach a line: configuration keys, tokens and authorization headers are redacted, and
// interaction tokens are cut out of the URLs that discord.js puts in its errors.
import pino, { type Logger } from "pino";

export type { Logger };

const SECRET_KEYS = [
  "DISCORD_TOKEN",
  "METRICS_TOKEN",
  "TWITTER_API_KEY",
  "TWITTER_API_SECRET",
  "TWITTER_ACCESS_TOKEN",
  "TWITTER_ACCESS_SECRET",
  "BLUESKY_APP_PASSWORD",
  "MASTODON_ACCESS_TOKEN",
  "STRIPE_WEBHOOK_SECRET",
  "KOFI_VERIFICATION_TOKEN",
  "DONATION_WEBHOOK_SECRET",
  "token",
  "authorization",
  "twitter",
  "bluesky",
  "mastodon",
  "password",
  "accessToken",
  "accessJwt",
  "refreshJwt",
];

const redactPaths = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  "headers.authorization",
  "*.headers.authorization",
]);

/** Removes interaction and webhook tokens from a URL or message (they let anyone answer as the bot for 15 min). */
export function scrubTokens(text: string): string {
  return text
    .replace(/(\/interactions\/\d+\/)[^/\s]+/g, "$1[token]")
    .replace(/(\/webhooks\/\d+\/)[^/\s]+/g, "$1[token]")
    .replace(/Bot [\w.-]{20,}/g, "Bot [redacted]");
}

export function createLogger(options: { level: string; format: "json" | "pretty"; name?: string }): Logger {
  return pino({
    name: options.name ?? "keep-dancing",
    level: options.level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    serializers: {
      err: (err: unknown) => {
        const plain = pino.stdSerializers.err(err as Error);
        return JSON.parse(scrubTokens(JSON.stringify(plain)));
      },
    },
    transport:
      options.format === "pretty"
        ? {
            target: "pino-pretty",
            options: { colorize: false, translateTime: "HH:MM:ss", ignore: "pid,hostname,name", singleLine: true },
          }
        : undefined,
  });
}
