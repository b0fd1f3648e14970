// /campaign import, sources and donations end to end: the real bot process against the Discord emulator, an
// export attached as a file, a preview with Confirm, the same file again adding nothing, members refused.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractionResult, Member, OptionValue } from "../src/sandbox/discord/index.js";
import { startStack, type Stack } from "./support/stack.js";

let stack: Stack;
let ava: Member, ben: Member;

beforeAll(async () => {
  stack = await startStack();
  ava = stack.discord.addMember({ username: "ava", organizer: true });
  ben = stack.discord.addMember({ username: "ben" });
});
afterAll(async () => stack?.close());

const campaign = (member: Member, subcommand: string, options: Record<string, OptionValue> = {}) =>
  stack.discord.runCommand(member, "campaign", options, { subcommand, ignoreDefaultPermissions: true });
const text = (r: InteractionResult) => String(r.message?.content ?? r.content ?? "");
const embed = (r: InteractionResult) =>
  (r.message?.embeds[0] ?? r.embeds[0]) as {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
    footer?: { text: string };
  };
// The fixtures' November dates moved to two months before the bot's clock (the one the test shares with it),
// so the rows are in the past on any day the suite runs (an export's future date is refused).
const file = (name: string) => {
  const past = new Date();
  past.setUTCDate(1);
  past.setUTCMonth(past.getUTCMonth() - 2);
  const month = past.toISOString().slice(0, 7);
  const text = fs.readFileSync(`tests/fixtures/imports/${name}`, "utf8").replaceAll("2026-11-", `${month}-`);
  return { name, data: Buffer.from(text), contentType: "text/csv" };
};

describe("/campaign import end to end", () => {
  it("previews a Givebutter export with its refused and left-out rows; Confirm adds it once", async () => {
    await campaign(ava, "setup", { name: "A dance party for the dancing man", goal: "20,000" });
    expect(text(await campaign(ben, "import", { file: file("givebutter.csv") }))).toMatch(/Only organizers/);

    const preview = await campaign(ava, "import", { file: file("givebutter.csv") });
    expect(preview.ephemeral).toBe(true);
    const e = embed(preview);
    expect(e.title).toBe("Import Givebutter export: givebutter.csv");
    expect(e.description).toMatch(
      /\*\*3\*\* donations read: \*\*3\*\* new, 0 already imported\.\nNew money: \*\*\$370\*\*/,
    );
    expect(e.fields?.find((f) => f.name.startsWith("Refused rows (1)"))?.value).toBe(
      'line 6: date "not a date" is not a date such as 2026-11-20, 2026-11-20 14:30 or 11/20/2026',
    );
    expect(e.fields?.find((f) => f.name.startsWith("Left out (2)"))?.value).toBe(
      "line 4: status failed\nline 5: refunded",
    );
    expect(await stack.db.donation.count()).toBe(0);

    const confirmId = (preview.message?.components ?? preview.components)[0].components[0].custom_id as string;
    expect(text(await stack.discord.clickButton(ben, preview.message!, confirmId))).toMatch(/Only organizers/);
    const done = await stack.discord.clickButton(ava, preview.message!, confirmId);
    expect(text(done)).toMatch(/3 donations added \(\$370\), 0 were already in\. Total raised: \*\*\$370\*\*/);
    expect(done.message?.components ?? []).toEqual([]); // the buttons are gone with the preview

    const again = await campaign(ava, "import", { file: file("givebutter.csv") });
    expect(embed(again).description).toMatch(/\*\*0\*\* new, 3 already imported/);
    expect(embed(await campaign(ava, "status")).fields?.find((f) => f.name === "Raised")?.value).toBe(
      "$370 of $20,000 (1%)",
    );
  });

  it("refuses a file it cannot read, in words, and changes nothing", async () => {
    const r = await campaign(ava, "import", {
      file: { name: "notes.csv", data: Buffer.from("when,who\n1,2\n"), contentType: "text/csv" },
    });
    expect(r.ephemeral).toBe(true);
    expect(text(r)).toMatch(/do not recognise this file's header row/);
    expect(
      text(
        await campaign(ava, "import", {
          file: { name: "photo.png", data: Buffer.from([0x89, 0x50]), contentType: "image/png" },
        }),
      ),
    ).toMatch(/as a \.csv file/);
    expect(await stack.db.donation.count()).toBe(3);
  });

  it("sources and donations show the ledger to organizers only; anonymous donors stay unnamed", async () => {
    expect(text(await campaign(ben, "sources"))).toMatch(/Only organizers/);
    const sources = embed(await campaign(ava, "sources"));
    expect(sources.description).toMatch(/^\*\*Givebutter export\*\*: \$370 · 3 entries · last <t:\d+:R>$/);
    expect(sources.footer?.text).toBe("Total raised $370");
    const list = String(embed(await campaign(ava, "donations")).description);
    expect(list.split("\n")).toHaveLength(3);
    expect(list).toMatch(/Finn Moss · “Cash at the bake sale”/);
    expect(list).toMatch(/\*\*\$20\*\* · anonymous/);
    expect(list).not.toContain("Ken");
  });
});
