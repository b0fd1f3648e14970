// Live counts on announcements are edited at most once per message every few seconds: a burst of RSVPs
// becomes one edit showing the latest state. Discord rate-limits message edits far below a viral burst.
import type { Logger } from "../log.js";

export function createCoalescer(log: Logger, intervalMs = 3_000) {
  const pending = new Map<
    string,
    { render?: () => Promise<void>; timer?: NodeJS.Timeout; lastRun: number; running?: Promise<void> }
  >();

  function run(key: string): Promise<void> {
    const entry = pending.get(key);
    if (!entry?.render || entry.running) return entry?.running ?? Promise.resolve();
    const render = entry.render;
    entry.render = undefined;
    entry.timer = undefined;
    entry.running = render()
      .catch((err: unknown) => log.warn({ err, key }, "could not refresh a message"))
      .finally(() => {
        entry.lastRun = Date.now();
        entry.running = undefined;
        // Kept (with lastRun) rather than deleted, so the next change still waits out the interval.
        if (entry.render) arm(key, entry); // a newer state arrived while rendering
      });
    return entry.running;
  }

  function arm(key: string, entry: { timer?: NodeJS.Timeout; lastRun: number }): void {
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastRun + intervalMs - Date.now());
    entry.timer = setTimeout(() => void run(key), wait);
  }

  return {
    refreshLater(key: string, render: () => Promise<void>): void {
      const entry = pending.get(key) ?? { lastRun: 0 };
      entry.render = render; // the latest state wins
      pending.set(key, entry);
      if (!entry.running) arm(key, entry);
    },
    /** Runs every pending refresh now (at shutdown, so the last state is shown). */
    async flush(): Promise<void> {
      for (const [key, entry] of pending) {
        clearTimeout(entry.timer);
        entry.timer = undefined;
        await entry.running;
        await run(key);
      }
    },
  };
}
