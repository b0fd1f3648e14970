// Per-member fairness as plain arithmetic: the caller owns the clock.
import { describe, expect, it } from "vitest";
import { createFairness } from "../src/discord/fairness.js";

describe("per-member fairness", () => {
  const t0 = 1_000_000;

  it("spends a bucket of `limit`, refills it evenly over the window, and says when to come back", () => {
    const f = createFairness({ limit: 4, windowMs: 8_000 });
    for (let i = 0; i < 4; i++) {
      const a = f.admit("m", "action", t0);
      expect(a.ok).toBe(true);
      if (a.ok) a.release();
    }
    const refused = f.admit("m", "action", t0);
    expect(refused).toEqual({ ok: false, reason: "rate", retryAfterMs: 2_000 });
    const later = f.admit("m", "action", t0 + 2_000);
    expect(later.ok).toBe(true);
    // Another member is untouched.
    expect(f.admit("other", "action", t0).ok).toBe(true);
  });

  it("runs one interaction per member at a time: the others wait their turn, in order", async () => {
    const f = createFairness({ limit: 10, windowMs: 10_000 });
    const first = f.admit("m", "action", t0);
    const second = f.admit("m", "action", t0);
    const third = f.admit("m", "action", t0);
    expect(first.ok && first.ready).toBeUndefined();
    const started: string[] = [];
    if (second.ok) void second.ready!.then(() => started.push("second"));
    if (third.ok) void third.ready!.then(() => started.push("third"));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([]);
    if (first.ok) first.release();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["second"]); // one at a time: the third still waits
    if (second.ok) second.release();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(["second", "third"]);
    // Another member never waits behind this one.
    const other = f.admit("other", "action", t0);
    expect(other.ok && other.ready).toBeUndefined();
  });

  it("gives autocomplete its own, larger bucket", () => {
    const f = createFairness({ limit: 2, windowMs: 10_000 });
    for (let i = 0; i < 6; i++) {
      const a = f.admit("m", "autocomplete", t0);
      expect(a.ok).toBe(true);
      if (a.ok) a.release();
    }
    expect(f.admit("m", "autocomplete", t0)).toMatchObject({ ok: false, reason: "rate" });
    expect(f.admit("m", "action", t0).ok).toBe(true);
  });

  it("forgets members whose bucket is full again, so memory follows recent activity", () => {
    const f = createFairness({ limit: 2, windowMs: 1_000 });
    for (let i = 0; i < 4_999; i++) {
      const a = f.admit(`m${i}`, "action", t0);
      if (a.ok) a.release();
    }
    expect(f.size).toBe(4_999);
    const a = f.admit("late", "action", t0 + 60_000);
    if (a.ok) a.release();
    expect(f.size).toBeLessThanOrEqual(1);
  });
});
