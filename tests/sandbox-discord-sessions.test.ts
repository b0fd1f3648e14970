// The Discord emulator dispatches as Discord does: every identified session of the guild's shard receives each
// event (two processes on one token both get every interaction), sessions of other shards get none, and the
// second acknowledgement of an interaction is refused with 40060. Raw gateway clients, so nothing of the bot or
// of discord.js decides what is seen here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { shardOf } from "../src/sandbox/discord/gateway.js";
import { startDiscordEmulator, type DiscordEmulator, type Member } from "../src/sandbox/discord/index.js";

interface RawSession {
  ws: WebSocket;
  events: { t: string; d: any }[];
  ready: Promise<any>;
  closed: Promise<number>;
}

let discord: DiscordEmulator;
let ava: Member;
const open: RawSession[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${discord.apiUrl}/v10${path}`, {
    method,
    headers: { authorization: `Bot ${discord.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Connects and identifies like a bot process would, with the given shard. */
function connect(shard: [number, number] = [0, 1]): RawSession {
  const ws = new WebSocket(`${discord.apiUrl.replace(/^http/, "ws").replace(/\/api$/, "")}/gateway?v=10&encoding=json`);
  const events: RawSession["events"] = [];
  let onReady!: (d: any) => void;
  const ready = new Promise<any>((resolve) => (onReady = resolve));
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (raw) => {
    const p = JSON.parse(raw.toString());
    if (p.op === 10)
      ws.send(
        JSON.stringify({
          op: 2,
          d: { token: discord.token, intents: 1, shard, properties: { os: "linux", browser: "test", device: "test" } },
        }),
      );
    if (p.op === 0) {
      events.push({ t: p.t, d: p.d });
      if (p.t === "READY") onReady(p.d);
    }
  });
  const session = { ws, events, ready, closed };
  open.push(session);
  return session;
}

const interactionsOf = (s: RawSession) => s.events.filter((e) => e.t === "INTERACTION_CREATE").map((e) => e.d);

beforeAll(async () => {
  discord = await startDiscordEmulator();
  ava = discord.addMember({ username: "ava" });
  const put = await api("PUT", `/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`, [
    { name: "ping", description: "Answers" },
  ]);
  expect(put.status).toBe(200);
});

afterAll(async () => {
  for (const s of open) s.ws.terminate();
  await discord?.close();
});

describe("Discord emulator: sessions and acknowledgements", () => {
  it("sends each interaction to every session of the shard; the first answer counts, a second gets 40060", async () => {
    const first = connect();
    const second = connect();
    await Promise.all([first.ready, second.ready]);
    await discord.waitFor(() => discord.sessionCount === 2);

    const result = discord.runCommand(ava, "ping");
    await discord.waitFor(() => interactionsOf(first).length === 1 && interactionsOf(second).length === 1);
    const [a] = interactionsOf(first);
    const [b] = interactionsOf(second);
    expect(b.id).toBe(a.id);
    expect(b.token).toBe(a.token);

    const callback = (content: string) =>
      api("POST", `/interactions/${a.id}/${a.token}/callback`, { type: 4, data: { content } });
    const won = await callback("from the first process");
    const lost = await callback("from the second process");
    expect(won.status).toBe(204);
    expect(lost).toEqual({ status: 400, body: { code: 40060, message: "Interaction has already been acknowledged." } });
    expect((await result).content).toBe("from the first process");

    // A deferral counts as the acknowledgement too.
    const deferred = discord.runCommand(ava, "ping");
    await discord.waitFor(() => interactionsOf(first).length === 2);
    const c = interactionsOf(first)[1];
    expect((await api("POST", `/interactions/${c.id}/${c.token}/callback`, { type: 5 })).status).toBe(204);
    expect(
      (await api("POST", `/interactions/${c.id}/${c.token}/callback`, { type: 4, data: { content: "late" } })).body
        .code,
    ).toBe(40060);
    expect(
      (await api("PATCH", `/webhooks/${discord.applicationId}/${c.token}/messages/@original`, { content: "done" }))
        .status,
    ).toBe(200);
    expect((await deferred).content).toBe("done");

    first.ws.close(1000);
    second.ws.close(1000);
    await discord.waitFor(() => discord.sessionCount === 0);
  });

  it("routes a guild's events to its shard only, by (guild_id >> 22) % shard count", async () => {
    const owner = shardOf(discord.guild.id, 2);
    const mine = connect([owner, 2]);
    const other = connect([1 - owner, 2]);
    const [mineReady, otherReady] = await Promise.all([mine.ready, other.ready]);
    expect(mineReady.guilds.map((g: { id: string }) => g.id)).toEqual([discord.guild.id]);
    expect(otherReady.guilds).toEqual([]);
    await discord.waitFor(() => mine.events.some((e) => e.t === "GUILD_CREATE"));
    expect(other.events.some((e) => e.t === "GUILD_CREATE")).toBe(false);
    expect(discord.sessionCount).toBe(1);

    const result = discord.runCommand(ava, "ping");
    await discord.waitFor(() => interactionsOf(mine).length === 1);
    const [i] = interactionsOf(mine);
    await api("POST", `/interactions/${i.id}/${i.token}/callback`, { type: 4, data: { content: "pong" } });
    expect((await result).content).toBe("pong");
    expect(interactionsOf(other)).toEqual([]);
    mine.ws.close(1000);
    other.ws.close(1000);
  });

  it("refuses a shard outside its count with 4010, and has nobody to send to once every session is gone", async () => {
    const bad = connect([2, 2]);
    expect(await bad.closed).toBe(4010);
    await discord.waitFor(() => discord.sessionCount === 0);
    await expect(discord.runCommand(ava, "ping")).rejects.toThrow(/no bot is connected/);
  });
});
