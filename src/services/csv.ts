// CSV exports: escaped by csv-stringify, and safe to open in a spreadsheet. A spreadsheet runs a cell as a
// formula when it begins with = + - @ (or their full-width forms ＝ ＋ － ＠, which some spreadsheets
// normalise), even after leading spaces or tabs; so such a cell is prefixed with a quote mark. Line breaks
// inside a cell become spaces: some importers split rows on them, and the next "row" would start a formula.
import { createRequire } from "node:module";
import type * as CsvStringifySync from "csv-stringify/sync";
import { Readable } from "node:stream";

// The CSV writer is loaded on the first export, not at start.
const load = createRequire(import.meta.url);
const lazy = <F>(id: string): F =>
  ((...args: unknown[]) => (load(id) as { stringify: (...a: unknown[]) => unknown }).stringify(...args)) as F;
const stringifySync = lazy<typeof CsvStringifySync.stringify>("csv-stringify/sync");

export type Cell = string | number | boolean | Date | null | undefined;

const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]/;

export function safeCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  // Numbers are written by us, not typed: -3 is a number, not a formula.
  if (typeof value === "number") return String(value);
  const text = (value instanceof Date ? value.toISOString() : String(value)).replace(/\r\n?|\n|\u2028|\u2029/g, " ");
  return FORMULA_START.test(text) || /^[\t\r]/.test(text) ? `'${text}` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return stringifySync([header, ...rows.map((row) => row.map(safeCell))]);
}

/**
 * Streams rows as CSV, so a 100,000-row export never sits in memory as rows: csv-stringify writes each
 * `rowsPerChunk` rows as one chunk of text. Its own stream made a chunk (and, in discord.js, a Buffer) per row,
 * about 3.5 KB of garbage a row: 100,000 answers cost some 25 extra young collections and 0.4 s (measured on
 * the growth benchmark's database).
 */
export function csvStream(header: string[], rows: AsyncIterable<Cell[]>, rowsPerChunk = 1_000): Readable {
  async function* chunks(): AsyncIterable<Buffer> {
    let batch: string[][] = [header];
    for await (const row of rows) {
      batch.push(row.map(safeCell));
      if (batch.length >= rowsPerChunk) {
        yield Buffer.from(stringifySync(batch));
        batch = [];
      }
    }
    if (batch.length) yield Buffer.from(stringifySync(batch));
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Reads a table in pages by id, for csvStream: the database never returns it all at once. */
export async function* paged<T extends { id: number }>(
  fetch: (afterId: number, take: number) => Promise<T[]>,
  take = 1_000,
): AsyncIterable<T> {
  let after = 0;
  for (;;) {
    const page = await fetch(after, take);
    yield* page;
    if (page.length < take) return;
    after = page[page.length - 1]!.id;
  }
}
