// Per-member fairness, in front of the router's global queue. The global queue (MAX_CONCURRENT handlers,
// dropped past GIVE_UP_AFTER_MS) protects the process; it does not protect members from each other: a
// modified client firing 50 clicks a second would hold every slot. So each member gets at most one
// interaction in flight (the others wait their turn, in order, behind it) and a token bucket (`limit`
// interactions, refilled evenly over `windowMs`) that also bounds how many can wait; autocomplete, which
// Discord sends on keystrokes, has its own bucket and its own in-flight slot.
// Everything here is memory and arithmetic: a refusal costs no database work. The state is per process
// (replicas each keep their own), which only makes the limit more generous, never stricter.

export type Lane = "action" | "autocomplete";

export interface FairnessOptions {
  /** Interactions a member may start per window (and the burst they may spend at once). */
  limit: number;
  windowMs: number;
  /** The autocomplete bucket holds this many times `limit`: typing sends several in a row. */
  autocompleteFactor?: number;
}

export type Admission =
  /** `ready`, when present, resolves once the member's earlier interactions are done: start then. */
  { ok: true; release: () => void; ready?: Promise<void> } | { ok: false; reason: "rate"; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
  /** One of the member's interactions is running. */
  busy: boolean;
  /** Starts the ones waiting behind it, oldest first. */
  waiting: (() => void)[];
}

/** Forget members whose bucket is full again, every this many admissions: memory stays bounded by recent activity. */
const SWEEP_EVERY = 5_000;

export function createFairness(options: FairnessOptions) {
  const capacity: Record<Lane, number> = {
    action: options.limit,
    autocomplete: options.limit * (options.autocompleteFactor ?? 3),
  };
  const buckets = new Map<string, Bucket>();
  let admissions = 0;

  const refill = (b: Bucket, lane: Lane, now: number) => {
    const perMs = capacity[lane] / options.windowMs;
    b.tokens = Math.min(capacity[lane], b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
  };

  function sweep(now: number): void {
    for (const [key, b] of buckets) {
      const lane = key.startsWith("a:") ? "autocomplete" : "action";
      refill(b, lane, now);
      if (!b.busy && b.tokens >= capacity[lane]) buckets.delete(key);
    }
  }

  return {
    /** Admits one interaction of `memberId` at `now` (ms), or says when to try again. */
    admit(memberId: string, lane: Lane, now: number): Admission {
      if (++admissions % SWEEP_EVERY === 0) sweep(now);
      const key = `${lane === "autocomplete" ? "a" : "i"}:${memberId}`;
      let b = buckets.get(key);
      if (!b) buckets.set(key, (b = { tokens: capacity[lane], at: now, busy: false, waiting: [] }));
      refill(b, lane, now);
      if (b.tokens < 1)
        return {
          ok: false,
          reason: "rate",
          retryAfterMs: Math.ceil((1 - b.tokens) * (options.windowMs / capacity[lane])),
        };
      b.tokens -= 1;
      const bucket = b;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const next = bucket.waiting.shift();
        if (next)
          next(); // the slot passes to the next one waiting: still one running
        else bucket.busy = false;
      };
      if (!b.busy) {
        b.busy = true;
        return { ok: true, release };
      }
      const ready = new Promise<void>((resolve) => bucket.waiting.push(resolve));
      return { ok: true, release, ready };
    },
    /** Members with state kept (for tests of the sweep). */
    get size(): number {
      return buckets.size;
    },
  };
}
