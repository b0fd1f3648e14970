import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { csvStream, toCsv, safeCell, type Cell } from "../src/services/csv.js";
import { dayRange, discordTime, discordWhen, parseWhen, plainTime, requireWhen } from "../src/services/time.js";

// Saturday 28 November 2026, 19:02 in Los Angeles (PST, UTC-8).
const now = new Date("2026-11-29T03:02:00Z");
const LA = "America/Los_Angeles";
const iso = (text: string, zone = LA) => parseWhen(text, zone, now)?.toISOString();

describe("times typed by members", () => {
  it("reads a plain date and time in the campaign's zone", () => {
    expect(iso("2026-12-05 20:00")).toBe("2026-12-06T04:00:00.000Z");
    expect(iso("2026-12-05 20:00", "Europe/London")).toBe("2026-12-05T20:00:00.000Z");
  });

  it("takes ISO 8601 with an offset as written", () => {
    expect(iso("2026-12-05T20:00:00+01:00")).toBe("2026-12-05T19:00:00.000Z");
    expect(iso("2026-12-05T20:00Z")).toBe("2026-12-05T20:00:00.000Z");
  });

  it("reads phrases against the campaign's clock, not the server's", () => {
    expect(iso("tomorrow 9am")).toBe("2026-11-29T17:00:00.000Z");
    expect(iso("next friday 8pm")).toBe("2026-12-05T04:00:00.000Z");
    expect(iso("in 2 hours")).toBe("2026-11-29T05:02:00.000Z");
    expect(iso("dec 5 at 20:00")).toBe("2026-12-06T04:00:00.000Z");
  });

  it("honours a zone written in the phrase", () => {
    expect(iso("dec 5 20:00 UTC")).toBe("2026-12-05T20:00:00.000Z");
  });

  it("keeps daylight saving right: the same wall time on either side of the change", () => {
    expect(iso("2026-03-07 20:00")).toBe("2026-03-08T04:00:00.000Z"); // PST
    expect(iso("2026-03-09 20:00")).toBe("2026-03-10T03:00:00.000Z"); // PDT
  });

  it("returns null for text that is no time, and requireWhen says what to type", () => {
    expect(parseWhen("whenever", LA, now)).toBeNull();
    expect(parseWhen("   ", LA, now)).toBeNull();
    expect(() => requireWhen("whenever", "the start", LA, now)).toThrow(UserError);
    expect(() => requireWhen("whenever", "the start", LA, now)).toThrow(/2026-12-05 20:00.*America\/Los_Angeles/);
  });

  it("shows times as Discord timestamps and as plain text", () => {
    const at = new Date("2026-12-06T04:00:00Z");
    expect(discordTime(at)).toBe(`<t:${at.getTime() / 1000}:F>`);
    expect(discordWhen(at)).toBe(`<t:1796529600:F> (<t:1796529600:R>)`);
    expect(plainTime(at, LA)).toBe("2026-12-05 20:00 PST");
  });

  it("turns a day into its bounds in the campaign's zone", () => {
    const { from, to } = dayRange("2026-12-05 12:00", LA, now);
    expect([from.toISOString(), to.toISOString()]).toEqual(["2026-12-05T08:00:00.000Z", "2026-12-06T08:00:00.000Z"]);
  });
});

describe("CSV cells", () => {
  it("neutralises what a spreadsheet would run as a formula", () => {
    for (const evil of [
      '=HYPERLINK("x")',
      "+1",
      "-1+2",
      "@SUM(A1)",
      "\tx",
      "\t=1+1",
      "  =1+1",
      " \t@SUM(A1)",
      "\u00a0-2+3",
      "\u3000=1",
      '＝HYPERLINK("x")',
      "＋1",
      "－1",
      "＠SUM(A1)",
      "\r=1",
      "\n+1",
    ]) {
      expect(safeCell(evil), JSON.stringify(evil)).toMatch(/^'/);
    }
    expect(safeCell("Ava")).toBe("Ava");
    expect(safeCell(" Ava")).toBe(" Ava");
    expect(safeCell(-3)).toBe("-3");
    expect(safeCell("Ava")).toBe("Ava");
    expect(safeCell(null)).toBe("");
    expect(safeCell(new Date("2026-12-05T20:00:00Z"))).toBe("2026-12-05T20:00:00.000Z");
  });

  it("escapes separators and quotes, and turns line breaks inside a cell into spaces", () => {
    expect(toCsv(["name", "note"], [['Chloe, "DJ"', "line1\nline2"]])).toBe('name,note\n"Chloe, ""DJ""",line1 line2\n');
    // A line break would start a new row in some importers, and that row with a formula.
    expect(toCsv(["name"], [["Ava\r\n=cmd|' /C calc'!A0"]])).toBe("name\nAva =cmd|' /C calc'!A0\n");
  });

  it("streams exactly what csv-stringify writes, across chunk boundaries", async () => {
    const rows: Cell[][] = [
      ['Chloe, "DJ"', "line1\nline2", "=1+1", -3, null],
      ["", '"', ",", "\r", new Date("2026-12-05T20:00:00Z")],
      ["plain", " spaced ", "'quoted'", 0, true],
      ["Zoë 🎧", "tab\there", "@me", "a\u2028b", undefined],
      ["+cmd", "－x", '""', "a,b,c", 12.5],
    ];
    async function* source() {
      yield* rows;
    }
    let text = "";
    for await (const chunk of csvStream(["h1", "h 2", "h,3", 'h"4', "h5"], source(), 2)) text += String(chunk);
    expect(text).toBe(toCsv(["h1", "h 2", "h,3", 'h"4', "h5"], rows));
  });
});
