// What reaches the log from the outside world: no DM text, no test hook outside tests.
import { DiscordAPIError } from "discord.js";
import { describe, expect, it } from "vitest";
import { withoutContent } from "../src/discord/dmSender.js";
import { ignoredTestHooks, testHook } from "../src/testHooks.js";

describe("a failed DM in the log", () => {
  it("keeps the error's code, status and message, never the text of the DM", () => {
    const err = new DiscordAPIError(
      { code: 50007, message: "Cannot send messages to this user" },
      50007,
      403,
      "POST",
      "https://discord.com/api/v10/channels/1/messages",
      {
        body: { content: "Your shift at the door moved: the code to the back gate is 4821" },
      },
    );
    expect(JSON.stringify(err)).toContain("back gate"); // what discord.js would have logged
    const logged = JSON.stringify(withoutContent(err));
    expect(logged).not.toContain("back gate");
    expect(withoutContent(err)).toMatchObject({
      code: 50007,
      status: 403,
      message: "Cannot send messages to this user",
    });
  });
});

describe("test hooks", () => {
  const hooks = { KEEP_DANCING_EXTRA_COMMANDS: "/tmp/evil", KEEP_DANCING_CRASH_AT: "before-post" };
  it("are honoured only when NODE_ENV=test", () => {
    expect(testHook("KEEP_DANCING_EXTRA_COMMANDS", { ...hooks, NODE_ENV: "test" })).toBe("/tmp/evil");
    for (const NODE_ENV of [undefined, "production", "development", "TEST"]) {
      expect(testHook("KEEP_DANCING_EXTRA_COMMANDS", { ...hooks, NODE_ENV })).toBeUndefined();
      expect(testHook("KEEP_DANCING_CRASH_AT", { ...hooks, NODE_ENV })).toBeUndefined();
    }
  });

  it("are named when ignored, so the log says why they did nothing", () => {
    expect(ignoredTestHooks({ ...hooks, NODE_ENV: "production" })).toEqual([
      "KEEP_DANCING_EXTRA_COMMANDS",
      "KEEP_DANCING_CRASH_AT",
    ]);
    expect(ignoredTestHooks({ ...hooks, NODE_ENV: "test" })).toEqual([]);
    expect(ignoredTestHooks({ NODE_ENV: "production" })).toEqual([]);
  });
});
