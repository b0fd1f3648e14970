// Reaching the bot's HTTP server in end-to-end tests: its address comes from its log (HTTP_PORT=0 in the stack).
import http from "node:http";
import type { BotProcess } from "../../src/sandbox/botProcess.js";

export async function httpUrl(bot: BotProcess): Promise<string> {
  const line = await bot.waitForLog((l) => l.msg === "http server listening", 60_000);
  return String(line.url);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with node:http, for what fetch cannot do: pick the source address (a rate-limit bucket of its own). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? "GET", headers: options.headers, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
