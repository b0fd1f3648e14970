// The interactions of the load. The full mix is what a burst of members does: RSVP going and decline,
// shift claim and drop, track request and upvote, /campaign status, in equal parts. The floor mix sends the
// same number of interactions to /ping, which only replies. Each op says whether its answer was the
// successful one (a refusal is still an acknowledgement, but a mix of refusals would measure the wrong path).
import type { InteractionResult, Member, StoredMessage } from "../src/sandbox/discord/index.js";
import type { BenchStack } from "./stack.js";
import type { Scenario } from "./scenario.js";

export interface Op {
  kind: string;
  send(): Promise<InteractionResult>;
  /** Whether the answer is the one the op aims for (not a refusal or an error). */
  ok(result: InteractionResult): boolean;
}

export type Mix = () => Op;

const text = (r: InteractionResult) => r.content ?? "";

export function floorMix(stack: BenchStack): Mix {
  let n = 0;
  return () => {
    const member = stack.members[n++ % stack.members.length]!;
    return { kind: "ping", send: () => stack.discord.runCommand(member, "ping"), ok: (r) => text(r) === "pong" };
  };
}

export const FULL_KINDS = [
  "rsvp-going",
  "rsvp-decline",
  "shift-claim",
  "shift-drop",
  "track-request",
  "track-upvote",
  "campaign-status",
] as const;

export type FullKind = (typeof FULL_KINDS)[number];

/**
 * Who is going (to decline next) and who holds a shift (to drop next): first in, first out, filled as answers
 * arrive. Shared by every mix of one stack, so a kind measured alone sees the same members as the full mix.
 */
export interface MixState {
  going: Member[];
  free: Member[];
  held: Member[];
  cycles: Map<string, number>;
}

export function mixState(members: Member[]): MixState {
  return { going: [], free: [...members], held: [], cycles: new Map() };
}

/** The full mix (or only some of its kinds); `queue` is a /dj queue message whose upvote buttons members press. */
export function fullMix(
  stack: BenchStack,
  scenario: Scenario,
  queue: StoredMessage,
  state: MixState,
  kinds: readonly FullKind[] = FULL_KINDS,
): Mix {
  const { discord, members } = stack;
  const { going, free, held, cycles } = state;
  const index = new Map(members.map((m, i) => [m.id, i]));
  const nextMember = (kind: string) => {
    const i = cycles.get(kind) ?? 0;
    cycles.set(kind, i + 1);
    return members[i % members.length]!;
  };
  let n = 0;
  const event = String(scenario.eventId);
  const shiftOf = (m: Member) => String(scenario.shiftIds[index.get(m.id)! % scenario.shiftIds.length]);
  const claim = (m: Member) => discord.runCommand(m, "volunteer", { shift: shiftOf(m) }, { subcommand: "claim" });
  const drop = (m: Member) => discord.runCommand(m, "volunteer", { shift: shiftOf(m) }, { subcommand: "drop" });

  const ops: Record<FullKind, () => Op> = {
    "rsvp-going": () => {
      const m = nextMember("going");
      return {
        kind: "rsvp-going",
        send: () =>
          discord.runCommand(m, "rsvp", { event }, { subcommand: "going" }).then((r) => {
            going.push(m);
            return r;
          }),
        ok: (r) => /You are \*\*going\*\*|\*\*waitlist\*\*/.test(text(r)),
      };
    },
    "rsvp-decline": () => {
      const m = going.shift() ?? nextMember("decline");
      return {
        kind: "rsvp-decline",
        send: () => discord.runCommand(m, "rsvp", { event }, { subcommand: "decline" }),
        ok: (r) => /can't go/.test(text(r)),
      };
    },
    "shift-claim": () => {
      const m = free.shift();
      if (!m && held.length) return ops["shift-drop"]();
      const ok = (r: InteractionResult) => /^You hold|waitlist/.test(text(r));
      // Every member has a claim or drop in flight (an overloaded bot): claim anyway, the answer may be a refusal.
      if (!m) return { kind: "shift-claim", send: () => claim(nextMember("claim")), ok };
      // A claim that timed out may still have gone through: "already hold" puts the member back in step.
      const send = () =>
        claim(m).then(
          (r) => {
            (ok(r) || /You already hold this/.test(text(r)) ? held : free).push(m);
            return r;
          },
          (err: unknown) => {
            free.push(m);
            return Promise.reject(err);
          },
        );
      return { kind: "shift-claim", send, ok };
    },
    "shift-drop": () => {
      const m = held.shift();
      if (!m && free.length) return ops["shift-claim"]();
      const ok = (r: InteractionResult) => /You dropped|left the waitlist/.test(text(r));
      if (!m) return { kind: "shift-drop", send: () => drop(nextMember("drop")), ok };
      return { kind: "shift-drop", send: () => drop(m).finally(() => free.push(m)), ok };
    },
    "track-request": () => {
      const m = nextMember("request");
      const title = `Bench track ${n}`;
      return {
        kind: "track-request",
        send: () => discord.runCommand(m, "dj", { title, artist: "The Load" }, { subcommand: "request" }),
        ok: (r) => /^Requested|counts as a vote/.test(text(r)),
      };
    },
    "track-upvote": () => {
      const m = nextMember("upvote");
      const id = scenario.requestIds[n % scenario.requestIds.length];
      return {
        kind: "track-upvote",
        send: () => discord.clickButton(m, queue, `djqueue:vote:${id}:0`),
        ok: (r) => r.callbackType === 7 && /vote/.test(text(r)),
      };
    },
    "campaign-status": () => {
      const m = nextMember("status");
      return {
        kind: "campaign-status",
        send: () => discord.runCommand(m, "campaign", {}, { subcommand: "status" }),
        ok: (r) => r.embeds.length > 0,
      };
    },
  };
  return () => ops[kinds[n++ % kinds.length]!]();
}
