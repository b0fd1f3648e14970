// Ids that come back from Discord: customIds, select values, autocomplete values. Every one can be forged
// by a modified client, so none is trusted to be a number the database takes: digits only (no sign,
// exponent, hex or fraction: "1e3", "0x1F", "1.5", "-1", "Infinity" are refused), 1 to the largest Int.
export const MAX_ID = 2_147_483_647;
/** Pages of any list the bot shows are far fewer than this. */
export const MAX_PAGE = 10_000;

/** A row id, or null when the value is not one. */
export function parseId(value: unknown): number | null {
  if (typeof value === "number") return Number.isInteger(value) && value >= 1 && value <= MAX_ID ? value : null;
  if (typeof value !== "string" || !/^[1-9]\d{0,9}$/.test(value)) return null;
  const id = Number(value);
  return id <= MAX_ID ? id : null;
}

/** A page number (0-based), or null. */
export function parsePage(value: unknown): number | null {
  if (typeof value !== "string" || !/^(0|[1-9]\d{0,4})$/.test(value)) return null;
  const page = Number(value);
  return page <= MAX_PAGE ? page : null;
}

/** A whole number from `min` to `max` written plainly (a select value such as a guest count), or null. */
export function parseSmallInt(value: unknown, min: number, max: number): number | null {
  if (typeof value !== "string" || !/^(0|-?[1-9]\d{0,5})$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}
