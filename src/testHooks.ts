// The test hooks, in one place with one rule: they are honoured only when NODE_ENV is "test" (what the
// end-to-end tests, the benchmarks and the demo's bot process run with: src/sandbox/botProcess.ts sets it).
// Anywhere else they do nothing, and the bot says at start that it ignored them: a production .env that
// names a folder of code to load, or a point at which to kill the process, must not be obeyed.
//   KEEP_DANCING_EXTRA_COMMANDS  a folder of extra command files (tests/fixtures/commands, the bench's /ping)
//   KEEP_DANCING_CRASH_AT        "before-post" or "after-post": the outbox kills its own process there
//   KEEP_DANCING_GATEWAY_LEASE   "off": every process connects to the gateway without the lease
export const TEST_HOOKS = [
  "KEEP_DANCING_EXTRA_COMMANDS",
  "KEEP_DANCING_CRASH_AT",
  "KEEP_DANCING_GATEWAY_LEASE",
] as const;
export type TestHook = (typeof TEST_HOOKS)[number];

export function testHook(name: TestHook, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_ENV !== "test") return undefined;
  return env[name]?.trim() || undefined;
}

/** The hooks that are set but ignored (outside tests), to be logged once at start. */
export function ignoredTestHooks(env: NodeJS.ProcessEnv = process.env): TestHook[] {
  if (env.NODE_ENV === "test") return [];
  return TEST_HOOKS.filter((name) => env[name]?.trim());
}
