// When a process connects to the gateway (src/discord/gatewayHolder.ts), on a real database: of several
// processes one holds the connection; a clean stop hands it over; a holder that loses its lease disconnects;
// a connection that fails gives the lease back. Timings are shortened; the connection is a stand-in that
// records when it was open (the real one, with discord.js, is in tests/gateway-lease.e2e.test.ts).
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayHolder, gatewayLeaseName, type GatewayHolder } from "../src/discord/gatewayHolder.js";
import { freshDb, type TestDb } from "./support/db.js";

let t: TestDb;
beforeAll(async () => (t = await freshDb()));
afterAll(async () => t?.close());
const log = pino({ level: "silent" });
// Quick polls, and a time-to-live long enough for a loaded machine (a holder would have to stall for 9.5 s to
// lose its lease); no test here waits for a lease to lapse by itself.
const timing = { ttlMs: 10_000, renewMs: 500, pollMs: 200, handoverMs: 2_000, graceMs: 100 };

/** A process: its holder and how many connections it has open now (never more than one). */
function processNamed(name: string, lease: string, opts: { failConnect?: () => boolean } = {}) {
  const state = { open: 0, opened: 0, closed: 0 };
  const holder = createGatewayHolder({
    db: t.db,
    log,
    holder: name,
    name: lease,
    timing,
    async connect() {
      if (opts.failConnect?.()) throw new Error("gateway unreachable");
      state.open++;
      state.opened++;
      return {
        async close() {
          state.open--;
          state.closed++;
        },
      };
    },
  });
  return { name, holder, state };
}

async function until(predicate: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await predicate()); await new Promise((r) => setTimeout(r, 25))) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
  }
}

describe("the gateway lease", () => {
  it("names one lease per shard set", () => {
    expect(gatewayLeaseName([0], 1)).toBe("discord-gateway:0/1");
    expect(gatewayLeaseName([1, 0], 2)).toBe("discord-gateway:0,1/2");
  });

  it("connects one process of three; a clean stop hands the connection to a standby", async () => {
    const lease = gatewayLeaseName([0], 1);
    const ps = [processNamed("a", lease), processNamed("b", lease), processNamed("c", lease)];
    const roles = [];
    for (const p of ps) roles.push(await p.holder.start());
    expect(roles).toEqual(["connected", "standby", "standby"]);
    // Several renewals and polls later, still exactly one connection.
    await new Promise((r) => setTimeout(r, 4 * timing.renewMs));
    expect(ps.map((p) => p.state.open)).toEqual([1, 0, 0]);

    await ps[0]!.holder.stop();
    expect(ps[0]!.state).toEqual({ open: 0, opened: 1, closed: 1 });
    await until(() => ps[1]!.state.open + ps[2]!.state.open === 1);
    const next = ps[1]!.state.open ? ps[1]! : ps[2]!;
    const row = await t.db.jobLease.findUniqueOrThrow({ where: { name: lease } });
    expect(row.holder).toBe(next.name);
    for (const p of ps.slice(1)) await p.holder.stop();
    expect(ps.reduce((n, p) => n + p.state.open, 0)).toBe(0);
  });

  it("disconnects when another process has taken the lease, and connects again once that lease lapses", async () => {
    const lease = gatewayLeaseName([0, 1], 2);
    const p = processNamed("d", lease);
    expect(await p.holder.start()).toBe("connected");
    // Someone else holds it now (a process that took it while this one was paused, say).
    await t.db.jobLease.update({
      where: { name: lease },
      data: { holder: "intruder", expiresAt: new Date(Date.now() + 1_000) },
    });
    await until(() => p.state.open === 0);
    expect(p.holder.isConnected()).toBe(false);
    await until(() => p.state.open === 1);
    expect(p.state).toEqual({ open: 1, opened: 2, closed: 1 });
    await p.holder.stop();
  });

  it("gives the lease back when it cannot connect, so another process may try", async () => {
    const lease = gatewayLeaseName([3], 4);
    let failing = true;
    const broken = processNamed("e", lease, { failConnect: () => failing });
    expect(await broken.holder.start()).toBe("standby");
    expect(await t.db.jobLease.findUnique({ where: { name: lease } })).toBeNull();
    const healthy = processNamed("f", lease);
    expect(await healthy.holder.start()).toBe("connected");
    failing = false;
    await new Promise((r) => setTimeout(r, 3 * timing.pollMs));
    expect(broken.state.open).toBe(0);
    await healthy.holder.stop();
    // The broken process waits out its back-off (2 s after one failure), then connects.
    await until(() => broken.state.open === 1);
    await broken.holder.stop();
  });

  it("with the lease off (a test hook), connects at once whoever else is connected", async () => {
    const lease = gatewayLeaseName([5], 6);
    const ps = [processNamed("g", lease), processNamed("h", lease)].map((p) => ({
      ...p,
      holder: createGatewayHolder({
        db: t.db,
        log,
        holder: p.name,
        name: lease,
        timing,
        leased: false,
        connect: async () => ({ close: async () => void p.state.closed++ }),
      }) as GatewayHolder,
    }));
    expect(await Promise.all(ps.map((p) => p.holder.start()))).toEqual(["connected", "connected"]);
    expect(await t.db.jobLease.findUnique({ where: { name: lease } })).toBeNull();
    for (const p of ps) await p.holder.stop();
    expect(ps.map((p) => p.state.closed)).toEqual([1, 1]);
  });
});
