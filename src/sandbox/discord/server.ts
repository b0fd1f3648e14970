// The HTTP server: authentication, routing, request recording and Discord-shaped errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { channelRoutes } from "./channel-routes.js";
import { eventRoutes, type Dispatch } from "./event-routes.js";
import type { Faults } from "./faults.js";
import { HttpError, matchRoute, readBody, type Reply, type Route } from "./http.js";
import type { Interactions } from "./interactions.js";
import { attachmentReply, coreRoutes } from "./rest-routes.js";
import type { RecordedRequest } from "./types.js";
import type { World } from "./world.js";

const API_PREFIX = "/api/v10";

export interface RestDeps {
  world: World;
  interactions: Interactions;
  token: string;
  gatewayUrl: () => string;
  dispatch: Dispatch;
  log: (line: string) => void;
  requests: RecordedRequest[];
  unknownRoutes: string[];
  faults: Faults;
}

export function createRestServer(deps: RestDeps): Server {
  const routes: Route[] = [
    ...coreRoutes(deps.world, deps.interactions, deps.gatewayUrl, deps.dispatch),
    ...channelRoutes(deps.world),
    ...eventRoutes(deps.world, deps.dispatch),
  ];
  return createServer((req, res) => {
    handle(deps, routes, req, res).catch((err: unknown) => {
      deps.log(`rest: internal error ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent) send(res, { status: 500, body: { message: "500: Internal Server Error", code: 0 } });
    });
  });
}

async function handle(deps: RestDeps, routes: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = req.method ?? "GET";
  const attachment = /^\/attachments\/([^/]+)\/[^/]+$/.exec(url.pathname);
  if (attachment && method === "GET") return send(res, attachmentReply(deps.world, attachment[1]!));

  const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || "/" : url.pathname;
  const fault = deps.faults.take(method, path);
  if (fault) {
    req.resume(); // the body is read and ignored, as a failing server would
    deps.requests.push({ method, path, status: fault.status === "timeout" ? 0 : fault.status, body: undefined });
    deps.log(`rest: ${method} ${path} -> ${fault.status} (outage on purpose)`);
    deps.faults.answer(res, fault);
    return;
  }
  let body: unknown;
  let reply: Reply;
  try {
    const parsed = await readBody(req);
    body = parsed.files.length
      ? { payload: parsed.json, files: parsed.files.map((f) => `${f.field}: ${f.name} (${f.data.length} bytes)`) }
      : parsed.json;
    const match = url.pathname.startsWith(API_PREFIX) ? matchRoute(routes, method, path) : undefined;
    if (!match) {
      deps.unknownRoutes.push(`${method} ${url.pathname}`);
      throw new HttpError(404, 0, "404: Not Found");
    }
    if (match.route.auth && req.headers.authorization !== `Bot ${deps.token}`)
      throw new HttpError(401, 0, "401: Unauthorized");
    reply = await match.route.handler({
      method,
      path,
      params: match.params,
      query: url.searchParams,
      body: parsed.json,
      files: parsed.files,
    });
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    reply = { status: err.status, body: err.toJSON() };
  }
  deps.requests.push({ method, path, status: reply.status, body });
  deps.log(`rest: ${method} ${path} -> ${reply.status}${reply.status >= 400 ? ` ${JSON.stringify(reply.body)}` : ""}`);
  send(res, reply);
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.raw) {
    res.writeHead(reply.status, { "content-type": reply.raw.contentType, "content-length": reply.raw.data.length });
    return void res.end(reply.raw.data);
  }
  if (reply.status === 204 || reply.body === undefined) return void res.writeHead(reply.status).end();
  const json = JSON.stringify(reply.body);
  res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}
