// Group commit, keyed: what arrives for one hot row (a track request's votes, an event's answers) while a
// batch for that row is being written waits here, in memory, and goes into the next batch, together. One
// transaction per batch, however wide the burst; each caller still gets its own outcome, and a database
// error fails only its batch. The shape of donationBatcher.ts, with one queue per key and per database client.
import type { Db } from "../db/client.js";

export type Outcome<R> = { ok: R } | { err: unknown };

interface Waiting<I, R> {
  input: I;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export interface GroupCommit<I, R> {
  submit(db: Db, key: number, input: I): Promise<R>;
}

/** `apply` writes one batch (inputs in arrival order) in one transaction and returns one outcome per input. */
export function groupCommit<I, R>(
  apply: (db: Db, key: number, inputs: I[]) => Promise<Outcome<R>[]>,
  maxBatch = 250,
): GroupCommit<I, R> {
  const queues = new WeakMap<Db, Map<number, Waiting<I, R>[]>>();

  async function drain(db: Db, byKey: Map<number, Waiting<I, R>[]>, key: number, queue: Waiting<I, R>[]) {
    try {
      while (queue.length) {
        const batch = queue.splice(0, maxBatch);
        let outcomes: Outcome<R>[];
        try {
          outcomes = await apply(
            db,
            key,
            batch.map((w) => w.input),
          );
        } catch (err) {
          for (const w of batch) w.reject(err);
          continue;
        }
        batch.forEach((w, i) => {
          const o = outcomes[i]!;
          if ("ok" in o) w.resolve(o.ok);
          else w.reject(o.err);
        });
      }
    } finally {
      byKey.delete(key);
    }
  }

  return {
    submit(db, key, input) {
      let byKey = queues.get(db);
      if (!byKey) queues.set(db, (byKey = new Map()));
      return new Promise<R>((resolve, reject) => {
        const queue = byKey.get(key);
        if (queue) return void queue.push({ input, resolve, reject });
        const fresh = [{ input, resolve, reject }];
        byKey.set(key, fresh);
        // The first batch starts after the current turn of the event loop, not at once: on SQLite every
        // statement runs synchronously, so a batch started at once would run to its end before the next
        // interaction is even parsed, and every batch would hold one. Deferred to setImmediate, it takes
        // everything the same turn brought (all the gateway events read from the socket together, which is
        // more exactly when the bot falls behind); when idle, the delay is a fraction of a millisecond.
        setImmediate(() => void drain(db, byKey, key, fresh));
      });
    },
  };
}
