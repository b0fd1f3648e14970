// GET /calendar.ics (every event and lineup set, for anyone: subscribe with the webcal:// link on the page),
// GET /calendar/<token>.ics (one member's own events and shifts; /calendar link gives the address) and
// GET /events/<id>.ics (one event's file, what the "Add to calendar" button of an answer opens: the same UID
// and SEQUENCE as the feeds, so adding it again updates the entry).
// A token that is malformed, revoked or unknown answers the same 404. Tokens never reach a log line
// (src/http/server.ts cuts them out of URLs).
import { getCampaign } from "../services/campaign.js";
import { feedOwner, memberFeedIcs, publicFeedIcs } from "../services/calendarFeeds.js";
import { getEvent } from "../services/events.js";
import { eventIcs, icsFileName } from "../services/ics.js";
import type { RouteModule } from "./server.js";

/** How long one reading of the public feed serves every calendar that asks (they poll about hourly). */
export const PUBLIC_FEED_TTL_MS = 60_000;

export const calendarRoutes: RouteModule = (app, deps) => {
  let cached: { at: number; body: Promise<string> } | null = null;
  const feedName = async () => (await getCampaign(deps.db))?.name ?? "keep-dancing";

  app.get("/calendar.ics", async (_request, reply) => {
    if (!cached || Date.now() - cached.at >= PUBLIC_FEED_TTL_MS) {
      const entry = { at: Date.now(), body: feedName().then((name) => publicFeedIcs(deps.db, deps.now(), name)) };
      cached = entry;
      entry.body.catch(() => {
        if (cached === entry) cached = null;
      });
    }
    const body = await cached.body;
    return reply.header("Cache-Control", "public, max-age=300").type("text/calendar; charset=utf-8").send(body);
  });

  app.get<{ Params: { file: string } }>("/calendar/:file", async (request, reply) => {
    const token = /^(.+)\.ics$/.exec(request.params.file)?.[1] ?? "";
    const userId = await feedOwner(deps.db, token);
    if (!userId)
      return reply
        .code(404)
        .header("Cache-Control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("No such calendar. Get your link again with /calendar link in Discord.\n");
    const body = await memberFeedIcs(deps.db, userId, deps.now(), `${await feedName()}: mine`);
    return reply
      .header("Cache-Control", "private, no-store")
      .header("X-Robots-Tag", "noindex")
      .type("text/calendar; charset=utf-8")
      .send(body);
  });

  app.get<{ Params: { file: string } }>("/events/:file", async (request, reply) => {
    const id = /^(\d{1,9})\.ics$/.exec(request.params.file)?.[1];
    const event = id ? await getEvent(deps.db, Number(id)) : null;
    if (!event)
      return reply
        .code(404)
        .header("Cache-Control", "no-store")
        .type("text/plain; charset=utf-8")
        .send("No such event. See /event list in Discord.\n");
    return reply
      .header("Cache-Control", "public, max-age=60")
      .header("Content-Disposition", `attachment; filename="${icsFileName(event)}"`)
      .type("text/calendar; charset=utf-8")
      .send(eventIcs(event, deps.now()));
  });
};
