// `npm run bench`: the load (full mix against the floor) on SQLite and, with TEST_DATABASE_URL, PostgreSQL; then
// growth. Writes bench/results/<date>.json, bench/results/latest.md and bench/results/latency.png.
// BENCH_QUICK=1 runs in about a minute; see bench/config.ts for every setting.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { latencyChart } from "./chart.js";
import { benchConfig } from "./config.js";
import { freshDatabase, postgresSupported } from "./db.js";
import { runGrowth } from "./growth.js";
import { runHotEvent, type HotEventResult } from "./hotEvent.js";
import { runLoad, type LoadResult } from "./loadSection.js";
import { markdown, type BenchResults } from "./report.js";

const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const config = benchConfig();
const log = (line: string) => console.log(line);
const started = new Date();
const loadBefore = os.loadavg()[0]!;
log(
  `keep-dancing benchmark (${config.quick ? "quick" : "full"}): rates ${config.rates.join(", ")}/s, ${config.seconds} s a stage, sizes ${config.sizes.join(", ")}`,
);

// BENCH_REPORT_FROM=<a results .json>: only write the Markdown and the chart again from an earlier run.
const from = process.env.BENCH_REPORT_FROM;
const results = from ? (JSON.parse(fs.readFileSync(from, "utf8")) as BenchResults) : await measure();

async function measure(): Promise<BenchResults> {
  if (config.compiled) {
    log("building the bot (npm run build): the benchmark runs the compiled bot, as npm start does");
    const built = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs")], { stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
  }
  const load: LoadResult[] = [];
  let postgres = "TEST_DATABASE_URL is not set, so SQLite only";
  if (config.sections.includes("load")) {
    const profileDir = config.profile ? fs.mkdtempSync(path.join(os.tmpdir(), "keep-dancing-profile-")) : undefined;
    const sqlite = await freshDatabase("sqlite");
    try {
      log("load on SQLite");
      load.push(await runLoad(config, sqlite, log, profileDir));
      for (const w of load.at(-1)!.botWarnings) log(`  bot logged: ${w}`);
    } finally {
      await sqlite.drop();
    }
    if (config.postgresUrl && !postgresSupported())
      postgres =
        "TEST_DATABASE_URL is set, but this checkout's src/db has no PostgreSQL migration runner yet, so SQLite only";
    else if (config.postgresUrl) {
      try {
        const pg = await freshDatabase("postgresql", config.postgresUrl);
        try {
          log("load on PostgreSQL");
          load.push(await runLoad(config, pg, log));
          for (const w of load.at(-1)!.botWarnings) log(`  bot logged: ${w}`);
          postgres =
            "the same load on a fresh schema of TEST_DATABASE_URL, a PostgreSQL server on the same machine (below)";
        } finally {
          await pg.drop();
        }
      } catch (err) {
        postgres = `the run on TEST_DATABASE_URL failed: ${(err as Error).message.split("\n")[0]}`;
        log(`PostgreSQL: ${postgres}`);
      }
    }
  }
  // The hot event (issue 15): one event, distinct members, fixed rates and closed loop, against the floor.
  const hotEvent: HotEventResult[] = [];
  if (config.sections.includes("hot")) {
    const hotProfileDir = config.profile
      ? fs.mkdtempSync(path.join(os.tmpdir(), "keep-dancing-hot-profile-"))
      : undefined;
    const sqlite = await freshDatabase("sqlite");
    try {
      log("hot event on SQLite");
      hotEvent.push(await runHotEvent(config, sqlite, log, undefined, hotProfileDir));
    } finally {
      await sqlite.drop();
    }
    if (config.postgresUrl && postgresSupported()) {
      const pg = await freshDatabase("postgresql", config.postgresUrl);
      try {
        log("hot event on PostgreSQL");
        hotEvent.push(await runHotEvent(config, pg, log, undefined, hotProfileDir));
      } finally {
        await pg.drop();
      }
    }
  }
  let growth: BenchResults["growth"] = [];
  if (config.sections.includes("growth")) {
    log("growth on SQLite");
    growth = await runGrowth(config, log);
  }

  const cpus = os.cpus();
  return {
    date: started.toISOString().slice(0, 16).replace("T", " ") + " UTC",
    quick: config.quick,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      memoryGb: Math.round(os.totalmem() / 1e8) / 10,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverage: [loadBefore, os.loadavg()[0]!].map((x) => Math.round(x * 100) / 100),
    },
    settings: {
      seconds: config.seconds,
      members: config.members,
      rates: config.rates,
      sizes: config.sizes,
      compiled: config.compiled,
    },
    postgres,
    load,
    hotEvent,
    growth,
  };
}

fs.mkdirSync(RESULTS, { recursive: true });
const stamp = started.toISOString().slice(0, 16).replace(/:/g, "-");
if (!from)
  fs.writeFileSync(
    path.join(RESULTS, `${stamp}${config.quick ? "-quick" : ""}.json`),
    `${JSON.stringify(results, null, 2)}\n`,
  );
const md = markdown(results);
fs.writeFileSync(path.join(RESULTS, "latest.md"), md);
if (results.load.some((l) => l.stages.length))
  fs.writeFileSync(path.join(RESULTS, "latency.png"), await latencyChart(results.load));
log(`\n${md}`);
log(
  `took ${Math.round((Date.now() - started.getTime()) / 1000)} s; results in ${path.relative(process.cwd(), RESULTS)}/`,
);
