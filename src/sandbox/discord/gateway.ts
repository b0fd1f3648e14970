// The gateway: JSON over WebSocket, no compression. HELLO, IDENTIFY -> READY + GUILD_CREATE,
// heartbeats, and dispatch of events to the most recently identified session. A bot that disconnects
// (or whose process dies) only ends its own session; a new bot can identify afterwards.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { World } from "./world.js";

const OP = { DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, PRESENCE: 3, VOICE: 4, RESUME: 6, REQUEST_MEMBERS: 8, INVALID_SESSION: 9, HELLO: 10, ACK: 11 } as const;
export const HEARTBEAT_INTERVAL = 41250;

interface Session {
  ws: WebSocket;
  id: string;
  seq: number;
  intents: number;
  ready: boolean;
}

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();
  private active: Session | undefined;
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

  isReady(): boolean {
    return this.active?.ready === true;
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

  /** Sends an event to the active bot session; `intent` skips bots that did not ask for it. Returns false when nobody got it. */
  dispatch(event: string, data: unknown, intent?: number): boolean {
    const session = this.active;
    if (!session?.ready) return false;
    if (intent !== undefined && (session.intents & intent) === 0) return false;
    this.send(session, { op: OP.DISPATCH, t: event, s: ++session.seq, d: data });
    return true;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
    this.active = undefined;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private open(ws: WebSocket): void {
    const session: Session = { ws, id: randomUUID().replaceAll("-", ""), seq: 0, intents: 0, ready: false };
    this.sessions.add(session);
    this.send(session, { op: OP.HELLO, d: { heartbeat_interval: HEARTBEAT_INTERVAL } });
    ws.on("message", (raw, isBinary) => this.onMessage(session, raw.toString(), isBinary));
    ws.on("error", (err) => this.log(`gateway: socket error ${err.message}`));
    ws.on("close", (code) => {
      this.sessions.delete(session);
      if (this.active === session) {
        // Fall back to another live session if one exists (e.g. an old and a new bot overlapped).
        this.active = [...this.sessions].reverse().find((s) => s.ready);
      }
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
    session.intents = d.intents;
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
        guilds: [{ id: this.world.guild.id, unavailable: true }],
        shard: Array.isArray(d.shard) ? d.shard : [0, 1],
        private_channels: [],
        relationships: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        user_settings: {},
      },
    });
    session.ready = true;
    this.active = session;
    this.identifyCount++;
    const guild = this.world.apiGuild();
    // Discord lists the bot's own member in GUILD_CREATE; discord.js then knows `guild.members.me`.
    guild.members = [this.world.apiMember(this.world.botMember())];
    this.send(session, { op: OP.DISPATCH, t: "GUILD_CREATE", s: ++session.seq, d: guild });
    this.log(`gateway: bot identified (session ${session.id.slice(0, 8)}, intents ${session.intents})`);
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  private send(session: Session, payload: Record<string, unknown>): void {
    if (session.ws.readyState !== session.ws.OPEN) return;
    session.ws.send(JSON.stringify({ t: null, s: null, d: null, ...payload }));
  }
}
