// The Mastodon emulator driven by the real masto client and by our publisher: the instance's limit, media
// answering 202 then processed, Idempotency-Key, the length and alt-text limits, the look-up past the key's
// hour, each fault as masto reports it and classifyMastodonError on each.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRestAPIClient, MastoHttpError, type mastodon } from "masto";
import { startMastodonEmulator, type MastodonEmulator } from "../src/sandbox/mastodon/index.js";
import { classifyMastodonError, createMastodonPublisher, IDEMPOTENCY_WINDOW_MS } from "../src/x/mastodon.js";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

let mastodonServer: MastodonEmulator;
let client: mastodon.rest.Client;
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

beforeAll(async () => {
  mastodonServer = await startMastodonEmulator({ processingMs: 1500 });
  client = createRestAPIClient({ url: mastodonServer.url, accessToken: mastodonServer.accessToken });
});
afterAll(() => mastodonServer.close());
beforeEach(() => mastodonServer.reset());

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

const file = () => new Blob([new Uint8Array(PNG)], { type: "image/png" });

describe("Mastodon emulator with the real masto", () => {
  it("serves the instance's max_characters and the account", async () => {
    const instance = await client.v2.instance.fetch();
    expect(instance.configuration.statuses.maxCharacters).toBe(500);
    const me = await client.v1.accounts.verifyCredentials();
    expect(me.id).toBe(mastodonServer.account.id);
  });

  it("answers media with 202, refuses a status with it until processed, and masto waits for it", async () => {
    const early = await client.v2.media.create({ file: file(), description: "The bar at 50%", skipPolling: true });
    expect(early.url).toBeNull();
    const refused = await caught(() => client.v1.statuses.create({ status: "too soon", mediaIds: [early.id] }));
    expect((refused as MastoHttpError).statusCode).toBe(422);
    expect(classifyMastodonError(refused, at(0)).kind).toBe("transient");

    const ready = await client.v2.media.create({ file: file(), description: "The bar at 100%" });
    expect(ready.url).toMatch(/^https:\/\//);
    const status = await client.v1.statuses.create({ status: "Goal reached! #KeepDancing", mediaIds: [ready.id] });
    expect(status.content).toContain('class="mention hashtag"');
    expect(mastodonServer.statuses.map((s) => s.text)).toEqual(["Goal reached! #KeepDancing"]);
    expect(mastodonServer.requests.some((r) => r.path === `/api/v1/media/${ready.id}` && r.status === 206)).toBe(true);
  });

  it("returns the same status for the same Idempotency-Key, a new one once the key is forgotten", async () => {
    const headers = { requestInit: { headers: { "Idempotency-Key": "delivery-1" } } };
    const first = await client.v1.statuses.create({ status: "once" }, headers);
    const second = await client.v1.statuses.create({ status: "once" }, headers);
    expect(second.id).toBe(first.id);
    expect(mastodonServer.statuses).toHaveLength(1);
    mastodonServer.forgetIdempotencyKeys();
    const third = await client.v1.statuses.create({ status: "once" }, headers);
    expect(third.id).not.toBe(first.id);
  });

  it("counts length in graphemes with links as 23, and refuses alt text over 1,500", async () => {
    await client.v1.statuses.create({ status: `${"👨‍👩‍👧".repeat(470)} https://example.com/${"a".repeat(200)}` }); // 470 + 1 + 23
    const long = await caught(() => client.v1.statuses.create({ status: "a".repeat(501) }));
    expect((long as MastoHttpError).statusCode).toBe(422);
    expect((long as MastoHttpError).message).toMatch(/character limit of 500/);
    expect(classifyMastodonError(long, at(0)).kind).toBe("rejected");
    const alt = await caught(() =>
      client.v2.media.create({ file: file(), description: "a".repeat(1501), skipPolling: true }),
    );
    expect((alt as MastoHttpError).message).toMatch(/Description is too long/);
  });

  it("reports 429 with its reset, nginx's 502 page, and a refused token the way the outbox acts on them", async () => {
    mastodonServer.fail({ status: 429, resetInSeconds: 3600 });
    const limited = classifyMastodonError(await caught(() => client.v1.statuses.create({ status: "x" })), at(0));
    expect(limited.kind === "rate_limited" && limited.resetAt.getTime() - Date.now()).toBeGreaterThan(3500_000);
    mastodonServer.fail({ status: 502 });
    expect(classifyMastodonError(await caught(() => client.v1.statuses.create({ status: "x" })), at(0)).kind).toBe(
      "transient",
    );
    const wrong = createRestAPIClient({ url: mastodonServer.url, accessToken: "nope" });
    expect(classifyMastodonError(await caught(() => wrong.v1.statuses.create({ status: "x" })), at(0)).kind).toBe(
      "auth",
    );
    expect(mastodonServer.statuses).toHaveLength(0);
  });
});

describe("the Mastodon publisher", () => {
  it("reads max_characters (500 when the instance leaves it out)", async () => {
    const other = await startMastodonEmulator({ maxCharacters: null });
    const custom = await startMastodonEmulator({ maxCharacters: 5000 });
    try {
      expect(await createMastodonPublisher({ url: other.url, accessToken: other.accessToken }).maxCharacters()).toBe(
        500,
      );
      expect(await createMastodonPublisher({ url: custom.url, accessToken: custom.accessToken }).maxCharacters()).toBe(
        5000,
      );
    } finally {
      await other.close();
      await custom.close();
    }
  });

  it("posts once per delivery: a retry within the hour meets the key, past it finds the status", async () => {
    const publisher = createMastodonPublisher({ url: mastodonServer.url, accessToken: mastodonServer.accessToken });
    const delivery = { id: 7, dedupeKey: "milestone:3", recordKey: null, firstAttemptAt: null };
    const image = { png: PNG, alt: "The bar at 50%" };
    mastodonServer.fail({ acceptThenDrop: true });
    const dropped = await caught(() =>
      publisher.post("We passed $10,000 & 50%! <3 #KeepDancing", image, delivery, at(0)),
    );
    expect(publisher.classify(dropped, at(0)).kind).toBe("transient");
    expect(mastodonServer.statuses).toHaveLength(1);

    const retried = await publisher.post(
      "We passed $10,000 & 50%! <3 #KeepDancing",
      image,
      { ...delivery, firstAttemptAt: at(0) },
      at(60_000),
    );
    expect(retried.id).toBe(mastodonServer.statuses[0]!.id);

    mastodonServer.forgetIdempotencyKeys();
    const late = await publisher.post(
      "We passed $10,000 & 50%! <3 #KeepDancing",
      image,
      { ...delivery, firstAttemptAt: at(0) },
      at(IDEMPOTENCY_WINDOW_MS),
    );
    expect(late.id).toBe(mastodonServer.statuses[0]!.id);
    expect(late.note).toMatch(/found/);
    expect(mastodonServer.statuses).toHaveLength(1);
    expect(mastodonServer.media.at(-1)!.description).toBe("The bar at 50%");
  });

  it("past the hour, a token without read scopes is refused the look-up: paused, never posted twice", async () => {
    const writeOnly = await startMastodonEmulator({ processingMs: 0, scopes: ["write:statuses", "write:media"] });
    try {
      const publisher = createMastodonPublisher({ url: writeOnly.url, accessToken: writeOnly.accessToken });
      const delivery = { id: 8, dedupeKey: "milestone:4", recordKey: null, firstAttemptAt: null };
      await publisher.post("Posted once", { png: PNG, alt: "a" }, delivery, at(0));
      writeOnly.forgetIdempotencyKeys();
      const err = await caught(() =>
        publisher.post(
          "Posted once",
          { png: PNG, alt: "a" },
          { ...delivery, firstAttemptAt: at(0) },
          at(IDEMPOTENCY_WINDOW_MS),
        ),
      );
      expect(publisher.classify(err, at(0)).kind).toBe("auth");
      expect(publisher.describe(err)).toMatch(/read:accounts and read:statuses/);
      expect(writeOnly.statuses).toHaveLength(1);
    } finally {
      await writeOnly.close();
    }
  });
});
