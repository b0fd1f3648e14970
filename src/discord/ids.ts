// The Discord side of src/services/ids.ts: an id or page from a customId or select value that does not
// parse is a ForgedInput ("no longer active", logged at debug), never an exception from the database.
import { parseId, parsePage } from "../services/ids.js";
import { ForgedInput } from "../errors.js";

export function idArg(value: unknown, what: string): number {
  const id = parseId(value);
  if (id === null) throw new ForgedInput(`${what} ${JSON.stringify(String(value).slice(0, 40))}`);
  return id;
}

export function pageArg(value: unknown): number {
  const page = parsePage(value);
  if (page === null) throw new ForgedInput(`page ${JSON.stringify(String(value).slice(0, 40))}`);
  return page;
}
