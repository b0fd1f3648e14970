// Work that belongs at the end of a transaction, just before it commits. The campaign counters use it: every
// change adds to a few shared rows (RSVPs going, volunteers...), and taking those rows' locks in the middle of a
// transaction, in whatever order each service happens to, deadlocks under load on PostgreSQL. Taken last, in
// one order, they cannot, and they are held only for the moment before the commit.
type Hook = () => Promise<void>;

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
    }, options);
  };
  client.$transaction = wrapped as T["$transaction"];
  return client;
}
