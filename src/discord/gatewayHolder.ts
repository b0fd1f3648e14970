// One gateway connection per shard set across every process. Discord sends each event of a shard to every
// session identified for it, so N processes logged in with one token would each run every interaction. The
// connection is therefore held under a lease row (the jobs' JobLease table, one row per shard set): the holder
// connects and renews the lease every RENEW; the others are standbys that run jobs, stay off the gateway and
// try to take the lease every POLL. When the holder dies, its lease lapses after TTL and a standby connects.
// A holder that cannot renew (database unreachable, a long pause) disconnects before its lease can lapse, so
// two holders overlap only when clocks disagree or a paused holder wakes up late; the claim on each
// interaction (src/discord/claims.ts) keeps that overlap from answering or applying anything twice.
// The connection itself is opened and closed by the caller (src/bot.ts): this module only decides when.
import type { Db } from "../db/client.js";
import { acquireLease, releaseLease } from "../jobs/lease.js";
import type { Logger } from "../log.js";

export const GATEWAY_LEASE = {
  /** How long a lease lasts without renewal: a dead holder's shard is silent at most this long (plus POLL and a connect). */
  ttlMs: 8_000,
  /** The holder renews this often; it disconnects once TTL - RENEW passed without a renewal. */
  renewMs: 2_000,
  /** A standby tries to take the lease this often. */
  pollMs: 1_000,
  /** On a clean stop: how long to wait for a standby to take the lease over, then how long to keep answering while it connects. */
  handoverMs: 1_500,
  graceMs: 1_000,
} as const;

export type GatewayTiming = { -readonly [K in keyof typeof GATEWAY_LEASE]: number };

/** The lease's row name: one per shard set, e.g. `discord-gateway:0/1`. Every replica must run the same shard set. */
export function gatewayLeaseName(shards: readonly number[], shardCount: number): string {
  return `discord-gateway:${[...shards].sort((a, b) => a - b).join(",")}/${shardCount}`;
}

export interface GatewayConnection {
  /** Stops taking new interactions, lets those under way finish (bounded), and disconnects. */
  close(): Promise<void>;
}

export interface GatewayHolderDeps {
  db: Db;
  log: Logger;
  /** This process's lease holder id (`host:pid:random`). */
  holder: string;
  name: string;
  /** Opens the gateway connection; resolves once it is ready to answer interactions. */
  connect(): Promise<GatewayConnection>;
  timing?: Partial<GatewayTiming>;
  /** false: connect at once and never take the lease (a test hook: every process connected, only the claims deduplicate). */
  leased?: boolean;
}

export function createGatewayHolder(deps: GatewayHolderDeps) {
  const t: GatewayTiming = { ...GATEWAY_LEASE, ...deps.timing };
  const { db, log, holder, name } = deps;
  let connection: GatewayConnection | undefined;
  let connecting: Promise<void> | undefined;
  /** Bumped whenever the lease is lost: a connection that completes for an older term is closed at once. */
  let term = 0;
  /** Date.now() when the last successful take or renewal of the lease started. */
  let heldSince = 0;
  let failures = 0;
  let retryAfter = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  async function open(): Promise<void> {
    const mine = term;
    try {
      const opened = await deps.connect();
      if (mine !== term || stopped) {
        await opened.close();
        return;
      }
      connection = opened;
      failures = 0;
      log.info({ lease: name }, "gateway connected: this process answers interactions");
    } catch (err) {
      failures++;
      retryAfter = Date.now() + Math.min(60_000, 1_000 * 2 ** failures);
      log.error(
        { err, lease: name, retryInMs: retryAfter - Date.now() },
        "could not connect to the gateway; giving the lease back",
      );
      if (deps.leased !== false) await releaseLease(db, name, holder).catch(() => undefined);
    } finally {
      connecting = undefined;
    }
  }

  async function lose(reason: string): Promise<void> {
    term++;
    const closing = connection;
    connection = undefined;
    if (!closing && !connecting) return;
    log.warn({ lease: name, reason }, "gateway lease lost: disconnecting");
    await closing?.close().catch((err: unknown) => log.warn({ err }, "error while disconnecting from the gateway"));
  }

  async function tick(): Promise<void> {
    const started = Date.now();
    let held: boolean | undefined;
    try {
      held = await acquireLease(db, name, holder, t.ttlMs, new Date(started));
    } catch (err) {
      log.warn({ err, lease: name }, "could not reach the database for the gateway lease");
    }
    if (stopped) return;
    if (held) {
      heldSince = started;
      if (!connection && !connecting && Date.now() >= retryAfter) connecting = open();
    } else if (held === false) {
      await lose("another process holds the gateway lease");
    } else if (Date.now() - heldSince > t.ttlMs - t.renewMs) {
      // Our lease may lapse any moment and a standby take it: leave before that can happen.
      await lose("could not renew the gateway lease in time");
    }
  }

  function schedule(): void {
    if (stopped) return;
    const wait = connection || connecting ? t.renewMs : t.pollMs;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((err: unknown) => log.error({ err }, "gateway lease tick failed"))
        .finally(schedule);
    }, wait);
  }

  /** Is someone other than this process holding the lease now? */
  async function successorHolds(): Promise<boolean> {
    const row = await db.jobLease.findUnique({ where: { name } }).catch(() => null);
    return Boolean(row && row.holder !== holder && row.expiresAt.getTime() > Date.now());
  }

  return {
    /** Takes the lease if it is free and connects (resolves once connected), or becomes a standby. Returns the role. */
    async start(): Promise<"connected" | "standby"> {
      if (deps.leased === false) {
        await open();
        if (!connection) throw new Error("could not connect to the gateway");
        return "connected";
      }
      ticking = tick();
      await ticking;
      await connecting;
      schedule();
      return connection ? "connected" : "standby";
    },
    isConnected: () => connection !== undefined,
    /**
     * Stops for good. A holder first gives the lease back and keeps answering until a standby has taken it
     * and had a moment to connect (both are connected meanwhile; the claims pick one answer), so a planned
     * restart of one replica loses no interaction.
     */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await connecting;
      if (deps.leased === false) return void (await connection?.close());
      await releaseLease(db, name, holder).catch(() => undefined);
      if (!connection) return;
      const until = Date.now() + t.handoverMs;
      let handedOver = false;
      while (!handedOver && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        handedOver = await successorHolds();
      }
      if (handedOver) await new Promise((r) => setTimeout(r, t.graceMs));
      const closing = connection;
      connection = undefined;
      await closing.close();
    },
  };
}

export type GatewayHolder = ReturnType<typeof createGatewayHolder>;
