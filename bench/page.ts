// `npm run bench:page`: what open public pages cost the bot. Opens BENCH_WATCHERS live streams (/events,
// default 5,000, 20 per source address as the bot allows) to the real bot process on a fresh SQLite file,
// then reads the bot's memory and CPU while they sit open, and how long a donation takes to reach all of them.
// Prints a Markdown table (the README quotes it); asserts nothing.
import fs from "node:fs";
import http from "node:http";
import { freshDatabase } from "./db.js";
import { procMemoryMb, startBenchStack } from "./stack.js";

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 5_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const PER_ADDRESS = 20;

function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

interface Watcher {
  req: http.ClientRequest;
  frames: number;
  sawRaised: (text: string) => number | undefined;
}

function openWatcher(base: string, index: number, received: Map<number, Map<string, number>>): Promise<Watcher> {
  const local = `127.0.${1 + Math.floor(index / PER_ADDRESS / 250)}.${1 + (Math.floor(index / PER_ADDRESS) % 250)}`;
  const seen = new Map<string, number>();
  received.set(index, seen);
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/events`, { localAddress: local, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${index} from ${local}: ${res.statusCode}`));
      const watcher: Watcher = { req, frames: 0, sawRaised: (t) => seen.get(t) };
      let buffer = "";
      let first = true;
      res.setEncoding("utf8").on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (!data) continue;
          watcher.frames++;
          const raised = (JSON.parse(data) as { text?: { raised?: string } }).text?.raised;
          if (raised && !seen.has(raised)) seen.set(raised, performance.now());
          if (first) {
            first = false;
            resolve(watcher);
          }
        }
      });
    });
    req.on("error", reject);
  });
}

const db = await freshDatabase("sqlite");
const stack = await startBenchStack({ dbUrl: db.url, members: 1 });
const pid = stack.bot.child.pid!;
try {
  const base = String((await stack.bot.waitForLog((l) => l.msg === "http server listening")).url);
  const ava = stack.organizer;
  await stack.discord.runCommand(
    ava,
    "campaign",
    { name: "A dance party for the dancing man", goal: "20,000" },
    { subcommand: "setup", ignoreDefaultPermissions: true },
  );
  await stack.discord.runCommand(
    ava,
    "campaign",
    { amount: "10,000" },
    { subcommand: "donation", ignoreDefaultPermissions: true },
  );
  // One page view first, so the card and page renderers are loaded before measuring.
  await fetch(`${base}/`);
  const rssBefore = procMemoryMb(pid, "VmRSS");

  const received = new Map<number, Map<string, number>>();
  const opening = performance.now();
  const watchers: Watcher[] = [];
  for (let i = 0; i < WATCHERS; i += 200) {
    watchers.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(200, WATCHERS - i) }, (_, j) => openWatcher(base, i + j, received)),
      )),
    );
  }
  const openSeconds = (performance.now() - opening) / 1000;
  const rssOpen = procMemoryMb(pid, "VmRSS");

  const cpu0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleCpu = (cpuSeconds(pid) - cpu0) / IDLE_SECONDS;

  const cpu1 = cpuSeconds(pid);
  const sent = performance.now();
  await stack.discord.runCommand(
    ava,
    "campaign",
    { amount: "5,000" },
    { subcommand: "donation", ignoreDefaultPermissions: true },
  );
  const target = "$15,000";
  const deadline = Date.now() + 30_000;
  while (watchers.some((w) => w.sawRaised(target) === undefined) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const delays = watchers
    .map((w) => w.sawRaised(target))
    .filter((t): t is number => t !== undefined)
    .map((t) => (t - sent) / 1000)
    .sort((a, b) => a - b);
  const pushCpu = cpuSeconds(pid) - cpu1;
  const rssAfter = procMemoryMb(pid, "VmRSS");

  const rows = [
    ["open streams", `${watchers.length} (opened in ${openSeconds.toFixed(1)} s)`],
    [
      "bot memory (RSS) before / with the streams open",
      `${rssBefore} MB / ${rssOpen} MB (+${(rssOpen - rssBefore).toFixed(1)} MB, ${(((rssOpen - rssBefore) * 1024) / Math.max(1, watchers.length)).toFixed(1)} KB a stream)`,
    ],
    [`bot CPU while they sit open (${IDLE_SECONDS} s, no change)`, `${(idleCpu * 100).toFixed(1)} % of one core`],
    ["a donation reached", `${delays.length} of ${watchers.length} streams`],
    [
      "…after (p50 / p99 / max)",
      `${delays[Math.floor(delays.length * 0.5)]?.toFixed(2)} s / ${delays[Math.floor(delays.length * 0.99)]?.toFixed(2)} s / ${delays.at(-1)?.toFixed(2)} s`,
    ],
    ["bot CPU from the donation to the last stream", `${pushCpu.toFixed(2)} s`],
    ["bot memory (RSS) after", `${rssAfter} MB`],
  ];
  console.log(
    `\n| ${new Date().toISOString().slice(0, 10)}, SQLite, ${WATCHERS} watchers | |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}`,
  );
  for (const w of watchers) w.req.destroy();
} finally {
  await stack.close();
  await db.drop();
}
process.exit(0);
