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

export function createScheduler(deps: { db: Db; log: Logger; holder: string; timezone: string }) {
  const tasks: { name: string; task: ScheduledTask }[] = [];
  const running = new Set<Promise<unknown>>();

  const runningHere = new Map<string, { again: boolean }>();

  /**
   * Runs the job now if this process can take its lease; returns whether it ran. The lease keeps other
   * processes out; inside this one, a job runs once at a time, and a call that arrives during a run (a
   * wake-up at the same second as the tick) asks for one more run after it, so no wake-up is lost.
   */
  async function runOnce(name: string, job: (now: Date) => Promise<unknown>, options: JobOptions = {}): Promise<boolean> {
    const current = runningHere.get(name);
    if (current) {
      current.again = true;
      return false;
    }
    const state = { again: false };
    runningHere.set(name, state);
    try {
      let ran = false;
      do {
        state.again = false;
        const now = new Date();
        if (!(await acquireLease(deps.db, name, deps.holder, options.leaseMs ?? 60_000, now))) break;
        await job(now);
        ran = true;
      } while (state.again);
      return ran;
    } finally {
      runningHere.delete(name);
    }
  }

  return {
    runOnce,
    /** Schedules a job; `expression` is a cron expression in the campaign's time zone (6 fields allow seconds). */
    schedule(name: string, expression: string, job: (now: Date) => Promise<unknown>, options: JobOptions = {}): void {
      const task = cron.schedule(
        expression,
        () => {
          const run = runOnce(name, job, options)
            .catch((err: unknown) => deps.log.error({ err, job: name }, "scheduled job failed"))
            .finally(() => running.delete(run));
          running.add(run);
          return run;
        },
        { name, timezone: deps.timezone, noOverlap: true },
      );
      tasks.push({ name, task });
    },
    /** Stops every schedule, lets runs under way finish (at most `ms`), and gives the leases back. */
    async stop(ms = 3_000): Promise<void> {
      for (const { task } of tasks) await task.stop();
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, ms).unref())]);
      for (const { name, task } of tasks) {
        await task.destroy();
        await releaseLease(deps.db, name, deps.holder).catch(() => undefined);
      }
      tasks.length = 0;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
