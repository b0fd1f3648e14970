// Starts the real bot (src/main.ts) as a child process, exactly as `npm start` does, and watches its log.
// Used by `npm run demo` and by the end-to-end tests.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface BotProcess {
  child: ChildProcess;
  /** Every JSON log line so far (non-JSON lines are kept as { msg: line }). */
  logs: LogLine[];
  /** What the process wrote to stderr. */
  stderr: string[];
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** tsx's loader by absolute URL, so the bot can run from any working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface SpawnOptions {
  /** The bot's working directory: where a .env would be read and relative paths resolve (default: the project). */
  cwd?: string;
  onLine?: (line: LogLine, raw: string) => void;
  /**
   * Run the compiled bot (dist/main.js, what `npm start` runs; build it first with `npm run build`) instead of
   * src/main.ts through tsx. tsx is still loaded when fixture commands (TypeScript) are added.
   */
  compiled?: boolean;
}

/**
 * The bot runs on the same clock as whoever starts it: the zone (TZ) and, when a test moves time with
 * libfaketime (FAKETIME with LD_PRELOAD), the same offset. Otherwise a test 400 days ahead would ask a bot
 * living today whether a set is "playing now", and two clocks would disagree where the real world has one.
 */
function sharedClock(): Record<string, string> {
  const shared: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name === "TZ" || name.startsWith("FAKETIME") || (name === "LD_PRELOAD" && value.includes("faketime")))
      shared[name] = value;
  }
  return shared;
}

/**
 * The Node flags of `npm start` (package.json's start script; tests/start.e2e.test.ts checks that they match), so
 * the compiled bot of the tests and the benchmark runs as production does. V8 grows the young generation to two
 * 16 MB semi-spaces during start-up and keeps them: 4 MB ones took the ready bot from 155-163 MB to 146-156 MB
 * resident (five runs each), 8 MB ones to about 140 MB. 8, not 4: in the hot event's profile the garbage
 * collector was 16.5 % of the bot's CPU with 4 MB and 9.8 % with 8 MB (about 5 % with the default), and the bot
 * still holds 139 MB when ready and peaks at 227 MB through a 100,000-row export (issue 15's 150 and 250 MB).
 * Only a command-line flag works: V8 sizes the heap before any code runs.
 * --liftoff-only: Prisma's query compiler (WASM) stays in V8's baseline code instead of being recompiled by
 * the optimizing compiler in the background; the ready bot went from 148-155 MB to 131-139 MB. The compiler
 * only runs for a query shape not yet in Prisma's plan cache, and was no slower: 190 new shapes took 52-54 ms
 * of CPU against 86-100 ms, 5,000 cached queries 748-790 ms against 819-876 ms.
 * --heap-growing-percent=50: after a full collection V8 lets the old generation grow to 1.5 times what it kept
 * (instead of up to about 4 times for a heap this small) before the next one. An export of 100,000 answers
 * leaves some 30 MB of garbage there and three in a row took the bot to 324-334 MB; now 219 MB. CPU over 2,900
 * answers: medians 1.04 ms an answer with it, 1.15 ms without (three runs each, this machine's noise).
 */
export const START_NODE_FLAGS = ["--max-semi-space-size=8", "--liftoff-only", "--heap-growing-percent=50"];

/** The compiled bot loads TypeScript only for a folder of extra commands that holds some (the tests' fixtures). */
function needsTsx(extraCommands: string | undefined): boolean {
  return !!extraCommands && fs.readdirSync(extraCommands).some((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"));
}

export function spawnBot(env: Record<string, string>, options: SpawnOptions = {}): BotProcess {
  const args = options.compiled
    ? [
        ...START_NODE_FLAGS,
        ...(needsTsx(env.KEEP_DANCING_EXTRA_COMMANDS) ? ["--import", TSX] : []),
        path.join(PROJECT_ROOT, "dist", "main.js"),
      ]
    : ["--import", TSX, path.join(PROJECT_ROOT, "src", "main.ts")];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? PROJECT_ROOT,
    // Only what the bot needs: a developer's own .env or shell must not leak into tests and the demo.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", ...sharedClock(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const raw = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!raw.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        line = { msg: raw };
      }
      logs.push(line);
      options.onLine?.(line, raw);
      for (const wake of waiters) wake();
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr.push(chunk);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown");
      for (const wake of waiters) wake();
    });
  });
  let exitCode: number | string | undefined;
  void exited.then((c) => (exitCode = c));

  return {
    child,
    logs,
    stderr,
    exited,
    waitForLog(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(predicate);
          if (found) return finish(() => resolve(found));
          if (exitCode !== undefined)
            return finish(() =>
              reject(
                new Error(
                  `the bot exited (${exitCode}) before the expected log line.\n${stderr.join("")}\n${logs
                    .slice(-10)
                    .map((l) => JSON.stringify(l))
                    .join("\n")}`,
                ),
              ),
            );
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `no such log line within ${timeoutMs} ms; last lines:\n${logs
                    .slice(-10)
                    .map((l) => JSON.stringify(l))
                    .join("\n")}\n${stderr.join("")}`,
                ),
              ),
            ),
          timeoutMs,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}
