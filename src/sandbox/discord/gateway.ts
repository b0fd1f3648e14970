// The gateway: JSON over WebSocket, no compression. HELLO, IDENTIFY -> READY + GUILD_CREATE,
// heartbeats, and dispatch of events as Discord does it: an event of a guild goes to EVERY identified
// session whose shard [id, total] owns the guild ((guild_id >> 22) % total === id), computed per session.
// So two processes identifying with one token and the same shard both receive each event, each
// interaction included (the classic "my bot answers twice"); the second acknowledgement of an interaction
// then gets 40060 (src/sandbox/discord/interactions.ts). A session that disconnects (or whose process dies)
// only ends itself; nothing is queued for it.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { World } from "./world.js";

const OP = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE: 3,
  VOICE: 4,
  RESUME: 6,
  REQUEST_MEMBERS: 8,
  INVALID_SESSION: 9,
  HELLO: 10,
  ACK: 11,
} as const;
export const HEARTBEAT_INTERVAL = 41250;

interface Session {
  ws: WebSocket;
  id: string;
  seq: number;
  intents: number;
  /** [shard id, shard count] as given in IDENTIFY ([0, 1] when absent). */
  shard: [number, number];
  ready: boolean;
}

/** The shard of a guild, by Discord's formula. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();
  private readyWaiters: (() => void)[] = [];
  url = "";
  /** How many IDENTIFYs succeeded: lets a test wait for a restarted bot rather than the old one. */
  identifyCount = 0;

  constructor(
    private readonly world: World,
    private readonly token: string,
    private readonly log: (line: string) => void,
  ) {}

  attach(server: Server, url: string): void {
    this.url = url;
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const { pathname, searchParams } = new URL(req.url ?? "/", "http://localhost");
      if (pathname !== "/gateway") return void socket.destroy();
      // We only speak uncompressed JSON; a client asking for more must learn that at once.
      if (searchParams.get("compress") || (searchParams.get("encoding") ?? "json") !== "json") {
        this.log(`gateway: refused ${req.url} (only encoding=json without compress)`);
        return void socket.destroy();
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws));
    });
  }

  /** Whether some identified session receives the guild's events. */
  isReady(): boolean {
    return this.receivers().length > 0;
  }

  /** How many identified sessions receive the guild's events (with several processes on one shard: each). */
  get sessionCount(): number {
    return this.receivers().length;
  }

  waitForReady(timeoutMs: number): Promise<void> {
    if (this.isReady()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        reject(new Error(`Discord emulator: no bot identified within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push(done);
    });
  }

  /**
   * Sends an event of the guild to every session of the guild's shard; `intent` skips sessions that did not
   * ask for it. Returns false when no session got it.
   */
  dispatch(event: string, data: unknown, intent?: number, guildId = this.world.guild.id): boolean {
    let sent = 0;
    for (const session of this.receivers(guildId)) {
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      this.send(session, { op: OP.DISPATCH, t: event, s: ++session.seq, d: data });
      sent++;
    }
    return sent > 0;
  }

  /** Sessions of the shard that owns `guildId` (a DM goes to shard 0, as on Discord). */
  private receivers(guildId = this.world.guild.id): Session[] {
    return [...this.sessions].filter(
      (s) => s.ready && s.ws.readyState === s.ws.OPEN && shardOf(guildId, s.shard[1]) === s.shard[0],
    );
  }

  /** Closes every identified session with `code` (a test of how the bot takes Discord's close codes); returns how many. */
  closeSessions(code: number, reason: string): number {
    const sessions = this.receivers();
    for (const session of sessions) {
      session.ready = false;
      session.ws.close(code, reason);
    }
    return sessions.length;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private open(ws: WebSocket): void {
    const session: Session = {
      ws,
      id: randomUUID().replaceAll("-", ""),
      seq: 0,
      intents: 0,
      shard: [0, 1],
      ready: false,
    };
    this.sessions.add(session);
    this.send(session, { op: OP.HELLO, d: { heartbeat_interval: HEARTBEAT_INTERVAL } });
    ws.on("message", (raw, isBinary) => this.onMessage(session, raw.toString(), isBinary));
    ws.on("error", (err) => this.log(`gateway: socket error ${err.message}`));
    ws.on("close", (code) => {
      this.sessions.delete(session);
      this.log(`gateway: session ${session.id.slice(0, 8)} closed (${code})`);
    });
  }

  private onMessage(session: Session, text: string, isBinary: boolean): void {
    let payload: any;
    try {
      if (isBinary) throw new Error("binary");
      payload = JSON.parse(text);
    } catch {
      return session.ws.close(4002, "Decode error");
    }
    switch (payload?.op) {
      case OP.HEARTBEAT:
        return this.send(session, { op: OP.ACK });
      case OP.IDENTIFY:
        return this.identify(session, payload.d);
      case OP.RESUME:
        // Sessions are not kept across connections: tell the client to identify afresh.
        return this.send(session, { op: OP.INVALID_SESSION, d: false });
      case OP.PRESENCE:
      case OP.VOICE:
      case OP.REQUEST_MEMBERS:
        if (!session.ready) return session.ws.close(4003, "Not authenticated");
        return;
      default:
        return session.ws.close(4001, "Unknown opcode");
    }
  }

  private identify(session: Session, d: any): void {
    if (session.ready) return session.ws.close(4005, "Already authenticated");
    const token = String(d?.token ?? "").replace(/^Bot /, "");
    if (token !== this.token) return session.ws.close(4004, "Authentication failed");
    if (typeof d?.intents !== "number") return session.ws.close(4013, "Invalid intent(s)");
    const shard = d.shard ?? [0, 1];
    const validShard =
      Array.isArray(shard) &&
      shard.length === 2 &&
      shard.every(Number.isInteger) &&
      shard[1] >= 1 &&
      shard[0] >= 0 &&
      shard[0] < shard[1];
    if (!validShard) return session.ws.close(4010, "Invalid shard");
    session.intents = d.intents;
    session.shard = [shard[0], shard[1]];
    // Only the shard that owns the guild is told about it (READY's guilds, GUILD_CREATE), as on Discord.
    const ownsGuild = shardOf(this.world.guild.id, session.shard[1]) === session.shard[0];
    // Other servers the bot was added to (the tests' intruders), by the same rule.
    const foreign = this.joinedForeign().filter((g) => shardOf(g.id, session.shard[1]) === session.shard[0]);
    const url = this.url;
    this.send(session, {
      op: OP.DISPATCH,
      t: "READY",
      s: ++session.seq,
      d: {
        v: 10,
        user: this.world.botUser,
        application: { id: this.world.applicationId, flags: 0 },
        session_id: session.id,
        session_type: "normal",
        resume_gateway_url: url,
        guilds: [...(ownsGuild ? [this.world.guild.id] : []), ...foreign.map((g) => g.id)].map((id) => ({
          id,
          unavailable: true,
        })),
        shard: session.shard,
        private_channels: [],
        relationships: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        user_settings: {},
      },
    });
    session.ready = true;
    this.identifyCount++;
    if (ownsGuild) {
      const guild = this.world.apiGuild();
      // Discord lists the bot's own member in GUILD_CREATE; discord.js then knows `guild.members.me`.
      guild.members = [this.world.apiMember(this.world.botMember())];
      this.send(session, { op: OP.DISPATCH, t: "GUILD_CREATE", s: ++session.seq, d: guild });
    }
    for (const g of foreign)
      this.send(session, { op: OP.DISPATCH, t: "GUILD_CREATE", s: ++session.seq, d: this.world.apiForeignGuild(g) });
    this.log(
      `gateway: bot identified (session ${session.id.slice(0, 8)}, shard ${session.shard.join("/")}, intents ${session.intents})`,
    );
    if (!this.isReady()) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private joinedForeign() {
    return [...this.world.foreignGuilds.values()].filter((g) => g.joined);
  }

  private send(session: Session, payload: Record<string, unknown>): void {
    if (session.ws.readyState !== session.ws.OPEN) return;
    session.ws.send(JSON.stringify({ t: null, s: null, d: null, ...payload }));
  }
}
