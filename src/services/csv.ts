// CSV exports: escaped by csv-stringify, and safe to open in a spreadsheet: a cell that begins with
// = + - @ (or a tab or carriage return) would run as a formula, so it is prefixed with a quote mark.
import { stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { Readable } from "node:stream";

export type Cell = string | number | boolean | Date | null | undefined;

export function safeCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return stringifySync([header, ...rows.map((row) => row.map(safeCell))]);
}

/** Streams rows as CSV, so a 100,000-row export never sits in memory whole. */
export function csvStream(header: string[], rows: AsyncIterable<Cell[]>): Readable {
  const out = stringify();
  void (async () => {
    try {
      out.write(header);
      for await (const row of rows) {
        if (!out.write(row.map(safeCell))) await new Promise((r) => out.once("drain", r));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}

/** Reads a table in pages by id, for csvStream: the database never returns it all at once. */
export async function* paged<T extends { id: number }>(fetch: (afterId: number, take: number) => Promise<T[]>, take = 1_000): AsyncIterable<T> {
  let after = 0;
  for (;;) {
    const page = await fetch(after, take);
    yield* page;
    if (page.length < take) return;
    after = page[page.length - 1]!.id;
  }
}

