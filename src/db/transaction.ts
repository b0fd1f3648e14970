// Work that belongs at the end of a transaction, just before it commits. The campaign counters use it: every
// change adds to a few shared rows (RSVPs going, volunteers...), and taking those rows' locks in the middle of a
// transaction, in whatever order each service happens to, deadlocks under load on PostgreSQL. Taken last, in
// one order, they cannot, and they are held only for the moment before the commit.
type Hook = () => Promise<void>;

/**
 * The longest any interactive transaction may wait to start and then run. Every transaction of a client made by
 * createDb is held to these (a service may ask for less, never more), so the worst an interaction in flight can
 * take is known: a shutdown waits TX_BOUND_MS for them, and the process is gone within SHUTDOWN_BOUND_MS (README).
 */
// 20 s each: a burst of 200 answers to one event queues on its row lock, and on PostgreSQL under load the last
// of them waits well past 10 s (tests/rsvp-concurrency.test.ts).
export const TX_MAX_WAIT_MS = 20_000;
export const TX_TIMEOUT_MS = 20_000;
export const TX_BOUND_MS = TX_MAX_WAIT_MS + TX_TIMEOUT_MS;
/** How long a SIGTERM takes at most: in-flight work (TX_BOUND_MS and a margin), then closing the gateway and database. */
export const SHUTDOWN_BOUND_MS = TX_BOUND_MS + 5_000;

function bounded(options: unknown): { maxWait: number; timeout: number } & Record<string, unknown> {
  const o = (options ?? {}) as { maxWait?: number; timeout?: number };
  return {
    ...o,
    maxWait: Math.min(o.maxWait ?? TX_MAX_WAIT_MS, TX_MAX_WAIT_MS),
    timeout: Math.min(o.timeout ?? TX_TIMEOUT_MS, TX_TIMEOUT_MS),
  };
}

const hooksByTx = new WeakMap<object, Map<string, Hook>>();

/**
 * Runs `hook` once just before `tx` commits (registering the same key again does nothing). Returns false when
 * `tx` is not an interactive transaction of a client made by createDb: the caller should act at once instead.
 */
export function beforeCommit(tx: object, key: string, hook: Hook): boolean {
  const hooks = hooksByTx.get(tx);
  if (!hooks) return false;
  if (!hooks.has(key)) hooks.set(key, hook);
  return true;
}

/** Whether `db` is an interactive transaction (of a client made by createDb) rather than the client itself. */
export function isTransaction(db: object): boolean {
  return hooksByTx.has(db);
}

/** Makes the client's interactive transactions run their before-commit hooks. Called once, by createDb. */
export function withCommitHooks<T extends { $transaction: unknown }>(client: T): T {
  const original = (client.$transaction as (arg: unknown, options?: unknown) => Promise<unknown>).bind(client);
  const wrapped = (arg: unknown, options?: unknown) => {
    if (typeof arg !== "function") return original(arg, options); // a batch: no callback, nothing to hook
    const work = arg as (tx: object) => Promise<unknown>;
    return original(async (tx: object) => {
      const hooks = new Map<string, Hook>();
      hooksByTx.set(tx, hooks);
      const result = await work(tx);
      for (const hook of hooks.values()) await hook();
      return result;
    }, bounded(options));
  };
  client.$transaction = wrapped as T["$transaction"];
  return client;
}
