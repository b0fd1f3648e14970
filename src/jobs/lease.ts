// A lease row per scheduled job: whichever process holds a current lease runs the tick; the others skip it.
// A process that dies simply stops renewing, and its lease lapses after its time-to-live; a process restarted on
// the same machine need not wait for that: it recognises a lease held by a process of this machine that no longer
// exists (holderId names the host, its boot, the PID namespace and the PID) and takes it over at once.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import type { DbOrTx } from "../db/client.js";

const SEP = "|";

function readOr(file: string, read: () => string): string {
  try {
    return read().trim();
  } catch {
    return "";
  }
}

/** Where this process runs: the host, this boot of it, and the PID namespace (containers sharing a host name differ in it). */
function placeOfThisProcess(): string[] {
  const boot = readOr("/proc/sys/kernel/random/boot_id", () =>
    fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8"),
  );
  const pidns = readOr("/proc/self/ns/pid", () => fs.readlinkSync("/proc/self/ns/pid"));
  return [os.hostname(), boot, pidns];
}

/** This process's holder id: `host|boot id|pid namespace|pid|random`. */
export function holderId(): string {
  return [...placeOfThisProcess(), String(process.pid), crypto.randomBytes(3).toString("hex")].join(SEP);
}

/**
 * Whether `holder` was a process of this machine, this boot and this PID namespace that no longer exists. Only
 * ever a safe "yes": anything unknown (another host, no boot id, a PID that answers) is a "no", and the lease is
 * left to lapse. A reused PID makes a dead holder look alive (we wait), never the other way round.
 */
export function isDeadLocalHolder(holder: string): boolean {
  const parts = holder.split(SEP);
  if (parts.length !== 5) return false;
  const [host, boot, pidns, pidText] = parts;
  const [myHost, myBoot, myPidns] = placeOfThisProcess();
  if (!boot || !pidns || host !== myHost || boot !== myBoot || pidns !== myPidns) return false;
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false; // alive
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Takes or renews the lease; true when this holder may run the job now. One conditional UPDATE, never read-then-write. */
export async function acquireLease(
  db: DbOrTx,
  name: string,
  holder: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
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
  if (created.count === 1) return true;
  // Held by someone else: perhaps an earlier run of this bot on this machine, killed before it could give it back.
  const current = await db.jobLease.findUnique({ where: { name } });
  if (!current || !isDeadLocalHolder(current.holder)) return false;
  const taken = await db.jobLease.updateMany({ where: { name, holder: current.holder }, data: { holder, expiresAt } });
  return taken.count === 1;
}

/** Gives the lease up at once (on a clean shutdown), so another process need not wait for it to lapse. */
export async function releaseLease(db: DbOrTx, name: string, holder: string): Promise<void> {
  await db.jobLease.deleteMany({ where: { name, holder } });
}

export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}
