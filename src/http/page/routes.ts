// The public page: GET / (HTML), /page.css and /page.js, /state.json (polling), /events (Server-Sent
// Events) and /card.png (the progress card the posts carry). Every watcher shares one database read: the
// snapshot is cached for SNAPSHOT_TTL_MS and read by one caller at a time, the page and the live state are
// rendered once per snapshot, and one timer pushes what changed to every open stream. 5,000 open pages cost
// one read every few seconds and a write per stream when a number moves.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerResponse } from "node:http";
import { renderCardCached } from "../../card/card.js";
import { cardAltText } from "../../services/cardData.js";
import { publicSnapshot, type PublicSnapshot } from "../../services/publicSnapshot.js";
import { CONTENT_SECURITY_POLICY, type HttpDeps, type RouteModule } from "../server.js";
import { card, pageState, renderPage, SECTIONS, type PageState } from "./render.js";

/** How long one read of the database serves every page, poll and stream. */
export const SNAPSHOT_TTL_MS = 3_000;
/** How often open streams are checked for changes (only while there are some). */
export const PUSH_EVERY_MS = 3_000;
/** Streams open at once: in all, and from one address (a browser opens one per tab). */
export const MAX_STREAMS = 10_000;
export const MAX_STREAMS_PER_ADDRESS = 20;

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Rendered {
  snapshot: PublicSnapshot;
  state: PageState;
  stateJson: string;
  cardVersion: string | null;
  page?: string;
}

export const pageRoutes: RouteModule = (app, deps) => {
  const assets = {
    "/page.css": { type: "text/css; charset=utf-8", body: fs.readFileSync(path.join(HERE, "page.css")) },
    "/page.js": { type: "text/javascript; charset=utf-8", body: fs.readFileSync(path.join(HERE, "page.js")) },
  };
  for (const [url, asset] of Object.entries(assets)) {
    const etag = `"${crypto.createHash("sha1").update(asset.body).digest("hex").slice(0, 16)}"`;
    app.get(url, async (request, reply) => {
      reply.header("Cache-Control", "public, max-age=300").header("ETag", etag).type(asset.type);
      if (request.headers["if-none-match"] === etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }

  const current = createRenderedCache(deps);

  app.get("/", async (_request, reply) => {
    const r = await current();
    r.page ??= renderPage(r.snapshot, r.state, {
      publicUrl: deps.publicUrl(),
      inviteUrl: deps.config.DISCORD_INVITE_URL,
      timezone: deps.config.CAMPAIGN_TIMEZONE,
      cardVersion: r.cardVersion,
    });
    return reply.header("Cache-Control", "public, max-age=5").type("text/html; charset=utf-8").send(r.page);
  });

  app.get("/state.json", async (_request, reply) => {
    const r = await current();
    return reply.header("Cache-Control", "public, max-age=5").type("application/json; charset=utf-8").send(r.stateJson);
  });

  app.get("/card.png", async (request, reply) => {
    const r = await current();
    const data = card(r.snapshot);
    if (!data || !r.cardVersion)
      return reply.code(404).type("text/plain; charset=utf-8").send("There is no campaign yet.\n");
    reply.header("ETag", r.cardVersion).header("Cache-Control", "public, max-age=60");
    if (request.headers["if-none-match"] === r.cardVersion) return reply.code(304).send();
    const png = await renderCardCached(data);
    // The card's description travels with it for clients that read headers (the page's og:image:alt says the same).
    return reply
      .header("X-Alt-Text", encodeURIComponent(cardAltText(data)))
      .type("image/png")
      .send(png);
  });

  const streams = createStreams(deps, current);
  app.get("/events", async (request, reply) => {
    const refused = streams.refuse(request.ip);
    if (refused) return reply.code(429).type("text/plain; charset=utf-8").send(`${refused}\n`);
    const first = await current();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      // nginx would otherwise buffer the stream.
      "X-Accel-Buffering": "no",
      "Content-Security-Policy": CONTENT_SECURITY_POLICY,
      "X-Content-Type-Options": "nosniff",
    });
    res.write(`retry: 15000\nevent: state\ndata: ${first.stateJson}\n\n`);
    streams.add(request.ip, res, first.state);
  });
  app.addHook("preClose", async () => streams.closeAll());
};

/** The snapshot and what is rendered from it, read at most once per SNAPSHOT_TTL_MS and by one caller at a time. */
function createRenderedCache(deps: HttpDeps): () => Promise<Rendered> {
  let cached: { at: number; value: Promise<Rendered> } | null = null;
  return () => {
    if (cached && Date.now() - cached.at < SNAPSHOT_TTL_MS) return cached.value;
    const value = publicSnapshot(deps.db, deps.now()).then((snapshot): Rendered => {
      const state = pageState(snapshot, deps.config.CAMPAIGN_TIMEZONE);
      const data = card(snapshot);
      const cardVersion = data
        ? `"${crypto.createHash("sha1").update(JSON.stringify(data)).digest("hex").slice(0, 16)}"`
        : null;
      return { snapshot, state, stateJson: JSON.stringify(state), cardVersion };
    });
    const entry = { at: Date.now(), value };
    cached = entry;
    // A failed read is not kept: the next request tries again.
    value.catch(() => {
      if (cached === entry) cached = null;
    });
    return value;
  };
}

interface Stream {
  ip: string;
  res: ServerResponse;
  /** The state this stream last received (streams that saw the same one get the same frame, built once). */
  seen: PageState;
}

function createStreams(deps: HttpDeps, current: () => Promise<Rendered>) {
  const open = new Set<Stream>();
  const perAddress = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let ticks = 0;

  async function push(): Promise<void> {
    let r: Rendered;
    try {
      r = await current();
    } catch (err) {
      deps.log.warn({ err }, "public page: could not read the numbers");
      return;
    }
    ticks++;
    const frames = new Map<PageState, string | null>();
    for (const s of open) {
      let frame = frames.get(s.seen);
      if (frame === undefined) {
        const message = changes(s.seen, r.state);
        // A comment every 30 s or so keeps proxies from closing a quiet stream.
        frame = message
          ? `event: state\ndata: ${JSON.stringify(message)}\n\n`
          : ticks % 10 === 0
            ? ": keep-alive\n\n"
            : null;
        frames.set(s.seen, frame);
      }
      if (frame) s.res.write(frame);
      s.seen = r.state;
    }
  }

  function remove(stream: Stream): void {
    if (!open.delete(stream)) return;
    const n = (perAddress.get(stream.ip) ?? 1) - 1;
    if (n > 0) perAddress.set(stream.ip, n);
    else perAddress.delete(stream.ip);
    if (open.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  return {
    refuse(ip: string): string | null {
      if (open.size >= MAX_STREAMS)
        return "Too many people are watching live right now; the page still works, reload it for new numbers.";
      if ((perAddress.get(ip) ?? 0) >= MAX_STREAMS_PER_ADDRESS)
        return "Too many live pages are open from your address.";
      return null;
    },
    add(ip: string, res: ServerResponse, state: PageState): void {
      const stream = { ip, res, seen: state };
      open.add(stream);
      perAddress.set(ip, (perAddress.get(ip) ?? 0) + 1);
      res.on("close", () => remove(stream));
      timer ??= setInterval(() => void push(), PUSH_EVERY_MS);
    },
    closeAll(): void {
      for (const s of [...open]) {
        s.res.end();
        remove(s);
      }
    },
  };
}

/** Only what differs from the last push: the numbers always (they are small), sections when they changed. */
function changes(before: PageState, after: PageState): Partial<PageState> | null {
  const sections = Object.fromEntries(
    SECTIONS.filter((n) => before.sections[n] !== after.sections[n]).map((n) => [n, after.sections[n]]),
  );
  const numbersMoved =
    before.title !== after.title ||
    before.progress !== after.progress ||
    JSON.stringify(before.text) !== JSON.stringify(after.text);
  if (!numbersMoved && Object.keys(sections).length === 0) return null;
  return {
    title: after.title,
    text: after.text,
    progress: after.progress,
    sections: sections as PageState["sections"],
  };
}
