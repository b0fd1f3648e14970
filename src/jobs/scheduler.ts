// Scheduled jobs (node-cron) that run once per tick across every process: each tick first takes the job's
// lease row. node-cron's own "distributed" option is only a hook for such a lock; the lease is the lock.
import cron, { type ScheduledTask } from "node-cron";
import type { Db } from "../db/client.js";
import type { Logger } from "../log.js";
import { acquireLease, releaseLease } from "./lease.js";

export interface JobOptions {
  /** How long one run may hold the job before another process may take over (default 60 s). */
  leaseMs?: number;
}

export function createScheduler(deps: {
  db: Db;
  log: Logger;
  holder: string;
  timezone: string;
  /** Told after every run this process made (for metrics): the job's name and whether it succeeded. */
  onRun?: (name: string, ok: boolean) => void;
}) {
  const tasks: { name: string; task: ScheduledTask }[] = [];
  /** Runs under way in this process, by job: scheduled ticks and wake-ups alike. */
  const runningHere = new Map<string, { again: boolean; done: Promise<unknown> }>();
  let stopping = false;

  /**
   * Runs the job now if this process can take its lease; returns whether it ran. The lease keeps other
   * processes out; inside this one, a job runs once at a time, and a call that arrives during a run (a
   * wake-up at the same second as the tick) asks for one more run after it, so no wake-up is lost.
   */
  async function runOnce(
    name: string,
    job: (now: Date) => Promise<unknown>,
    options: JobOptions = {},
  ): Promise<boolean> {
    if (stopping) return false; // shutting down: no new run starts
    const current = runningHere.get(name);
    if (current) {
      current.again = true;
      return false;
    }
    let finished!: () => void;
    const state = { again: false, done: new Promise<void>((r) => (finished = r)) };
    runningHere.set(name, state);
    try {
      let ran = false;
      do {
        state.again = false;
        const now = new Date();
        if (!(await acquireLease(deps.db, name, deps.holder, options.leaseMs ?? 60_000, now))) break;
        try {
          await job(now);
        } catch (err) {
          deps.onRun?.(name, false);
          throw err;
        }
        deps.onRun?.(name, true);
        ran = true;
      } while (state.again && !stopping);
      return ran;
    } finally {
      runningHere.delete(name);
      finished();
    }
  }

  return {
    runOnce,
    /** Schedules a job; `expression` is a cron expression in the campaign's time zone (6 fields allow seconds). */
    schedule(name: string, expression: string, job: (now: Date) => Promise<unknown>, options: JobOptions = {}): void {
      const task = cron.schedule(
        expression,
        () =>
          runOnce(name, job, options).catch((err: unknown) =>
            deps.log.error({ err, job: name }, "scheduled job failed"),
          ),
        { name, timezone: deps.timezone, noOverlap: true },
      );
      tasks.push({ name, task });
    },
    /**
     * Stops every schedule and every wake-up, lets runs under way finish (at most `ms`), and only then gives the
     * leases back: a lease given back while its job still runs would let another process run it at the same time.
     * A job still running at the deadline keeps its lease, which lapses by itself.
     */
    async stop(ms = 3_000): Promise<void> {
      stopping = true;
      for (const { task } of tasks) await task.stop();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...runningHere.values()].map((r) => r.done)),
        new Promise((r) => (timer = setTimeout(r, ms))),
      ]);
      clearTimeout(timer);
      for (const { name, task } of tasks) {
        await task.destroy();
        if (runningHere.has(name)) {
          deps.log.warn({ job: name }, "job still running at shutdown: its lease is kept and lapses by itself");
          continue;
        }
        await releaseLease(deps.db, name, deps.holder).catch(() => undefined);
      }
      tasks.length = 0;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
