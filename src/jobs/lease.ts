// A lease row per scheduled job: whichever process holds a current lease runs the tick; the others skip it.
// A process that dies simply stops renewing, and its lease lapses after its time-to-live.
import type { DbOrTx } from "../db/client.js";

/** Takes or renews the lease; true when this holder may run the job now. One conditional UPDATE, never read-then-write. */
export async function acquireLease(db: DbOrTx, name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const renewed = await db.jobLease.updateMany({
    where: { name, OR: [{ holder }, { expiresAt: { lt: now } }] },
    data: { holder, expiresAt },
  });
  if (renewed.count === 1) return true;
  const created = await db.jobLease.createMany({ data: [{ name, holder, expiresAt }] }).catch((err: unknown) => {
    if (isUniqueViolation(err)) return { count: 0 };
    throw err;
  });
  return created.count === 1;
}

/** Gives the lease up at once (on a clean shutdown), so another process need not wait for it to lapse. */
export async function releaseLease(db: DbOrTx, name: string, holder: string): Promise<void> {
  await db.jobLease.deleteMany({ where: { name, holder } });
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}
