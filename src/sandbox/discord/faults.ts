// Outages on purpose: REST calls that fail the way Discord fails (a 500 with Discord's JSON, a 502/503 page from
// its edge, a 429 with Retry-After and the rate-limit headers, or no answer at all), for a while on the
// emulator's clock or for a number of calls. Tests play an hour-long outage in seconds by moving that clock.
import type { ServerResponse } from "node:http";

export interface DiscordFault {
  /** Which calls fail, tested against "METHOD /path" (the path below /api/v10); default: every call. */
  match?: RegExp;
  status: 500 | 502 | 503 | 429 | "timeout";
  /** For 429: the seconds Discord asks to wait (default 30). */
  retryAfter?: number;
  /**
   * For 429: also send the route's bucket headers (remaining 0, reset after `retryAfter`), as a per-route limit
   * does; discord.js then holds that route on its own, by the wall clock. Default: a shared-resource limit
   * (scope "shared"), which carries only Retry-After.
   */
  bucket?: boolean;
  /** The outage lasts until this instant of the emulator's clock (ms)... */
  until?: number;
  /** ...or for this many calls (default: until `until`, or for ever). */
  times?: number;
}

export class Faults {
  private readonly list: DiscordFault[] = [];
  /** Requests left unanswered ("timeout"), ended when the emulator closes. */
  readonly hung = new Set<ServerResponse>();

  constructor(private readonly now: () => number) {}

  add(fault: DiscordFault): () => void {
    const entry = { ...fault };
    this.list.push(entry);
    return () => this.remove(entry);
  }

  clear(): void {
    this.list.length = 0;
  }

  /** The fault that answers this call, if any (a call-counted fault is used up by it). */
  take(method: string, path: string): DiscordFault | undefined {
    const key = `${method} ${path}`;
    const now = this.now();
    for (const fault of [...this.list]) {
      if (fault.until !== undefined && now >= fault.until) {
        this.remove(fault);
        continue;
      }
      if (fault.match && !fault.match.test(key)) continue;
      if (fault.times !== undefined && --fault.times <= 0) this.remove(fault);
      return fault;
    }
    return undefined;
  }

  /** Writes the failure; returns false for "timeout" (the request is kept open and never answered). */
  answer(res: ServerResponse, fault: DiscordFault): boolean {
    if (fault.status === "timeout") {
      this.hung.add(res);
      res.on("close", () => this.hung.delete(res));
      return false;
    }
    if (fault.status === 429) {
      const after = fault.retryAfter ?? 30;
      const body = JSON.stringify({ message: "You are being rate limited.", retry_after: after, global: false });
      res.writeHead(429, {
        "content-type": "application/json",
        "retry-after": String(Math.ceil(after)),
        ...(fault.bucket
          ? {
              "x-ratelimit-limit": "5",
              "x-ratelimit-remaining": "0",
              "x-ratelimit-reset-after": String(after),
              "x-ratelimit-bucket": "emulator-outage",
              "x-ratelimit-scope": "user",
            }
          : { "x-ratelimit-scope": "shared" }),
      });
      res.end(body);
      return true;
    }
    if (fault.status === 500) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "500: Internal Server Error", code: 0 }));
      return true;
    }
    // Discord's edge answers 502 and 503 with an HTML page, not JSON.
    const title = fault.status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable";
    res.writeHead(fault.status, { "content-type": "text/html" });
    res.end(
      `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>cloudflare</center></body></html>`,
    );
    return true;
  }

  private remove(fault: DiscordFault): void {
    const i = this.list.indexOf(fault);
    if (i >= 0) this.list.splice(i, 1);
  }
}
