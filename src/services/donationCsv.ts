// Fundraising-page exports read as CSV: GoFundMe, Givebutter and Donorbox donor exports, told apart by their
// header row, and a plain `date,name,amount[,currency,id]` file. Pure: text in, rows and refusals (with their
// line numbers) out; nothing here touches the database. Each row gets a stable id (the export's own id, or a
// fingerprint of the row and its occurrence), so importing the same file twice adds nothing.
//
// Columns read (header names compared without case, spaces or punctuation; others are ignored):
//   GoFundMe:   Donation Amount + (Donor First Name | Display Name); Date, Donation ID, Donor Last Name,
//               Currency, Anonymous, Comment, Status
//   Givebutter: Amount + Transacted At; Transaction ID | Reference Number, First Name, Last Name, Currency,
//               Status, Refunded, Anonymous, Message
//   Donorbox:   Amount + Donation Date; Donation ID, Name | First Name + Last Name, Currency, Comment,
//               Anonymous Donation, Status
//   Plain:      date, name, amount[, currency[, id]]
import crypto from "node:crypto";
import { parse } from "csv-parse/sync";
import { DateTime } from "luxon";
import { UserError } from "../errors.js";
import { isCurrency, parseAmount } from "./amounts.js";

export type ImportSource = "gofundme" | "givebutter" | "donorbox" | "csv";

export const IMPORT_NAMES: Record<ImportSource, string> = {
  gofundme: "GoFundMe",
  givebutter: "Givebutter",
  donorbox: "Donorbox",
  csv: "plain CSV",
};

/** The largest file read (Discord allows far larger; a campaign's export is a few hundred KB). */
export const MAX_IMPORT_BYTES = 1024 * 1024;
export const MAX_IMPORT_ROWS = 5_000;

export interface ImportRow {
  line: number;
  sourceId: string;
  amountCents: number;
  currency: string;
  public: boolean;
  donorName: string | null;
  message: string | null;
  /** ISO 8601, UTC. */
  receivedAt: string;
}

export interface LineNote {
  line: number;
  reason: string;
}

export interface ParsedImport {
  source: ImportSource;
  rows: ImportRow[];
  /** Malformed rows: nothing of them is imported. */
  refused: LineNote[];
  /** Well-formed rows that are not money received (refunded, failed): left out on purpose. */
  skipped: LineNote[];
}

export interface ParseOptions {
  /** The campaign's currency, for files without a currency column. */
  currency: string;
  /** CAMPAIGN_TIMEZONE: how dates without an offset are read. */
  timeZone: string;
  now: Date;
}

type Field =
  "id" | "date" | "amount" | "currency" | "first" | "last" | "name" | "message" | "anonymous" | "status" | "refunded";

interface Format {
  source: ImportSource;
  detect(keys: Set<string>): boolean;
  fields: Partial<Record<Field, string[]>>;
  /** Statuses that mean money was received (lower case); empty or absent status counts too. */
  received: string[];
}

const FORMATS: Format[] = [
  {
    source: "gofundme",
    detect: (k) => k.has("donationamount") && (k.has("donorfirstname") || k.has("displayname")),
    fields: {
      id: ["donationid", "transactionid"],
      date: ["date", "donationdate", "createdat"],
      amount: ["donationamount"],
      currency: ["currency"],
      first: ["donorfirstname"],
      last: ["donorlastname"],
      name: ["displayname"],
      message: ["comment", "donorcomment"],
      anonymous: ["anonymous", "isanonymous"],
      status: ["status"],
    },
    received: ["successful", "settled", "succeeded", "completed"],
  },
  {
    source: "givebutter",
    detect: (k) => k.has("amount") && k.has("transactedat"),
    fields: {
      id: ["transactionid", "id", "referencenumber", "number"],
      date: ["transactedat", "createdat"],
      amount: ["amount"],
      currency: ["currency"],
      first: ["firstname"],
      last: ["lastname"],
      message: ["message", "dedication"],
      anonymous: ["anonymous", "isanonymous", "hidename"],
      status: ["status"],
      refunded: ["refunded"],
    },
    received: ["succeeded", "completed", "paid"],
  },
  {
    source: "donorbox",
    detect: (k) => k.has("amount") && k.has("donationdate"),
    fields: {
      id: ["donationid", "id"],
      date: ["donationdate"],
      amount: ["amount"],
      currency: ["currency"],
      name: ["name", "donorname"],
      first: ["firstname"],
      last: ["lastname"],
      message: ["comment"],
      anonymous: ["anonymousdonation", "anonymous"],
      status: ["status"],
    },
    received: ["paid", "succeeded", "completed"],
  },
];

const key = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Reads an export. Throws a UserError for a file it cannot read at all (no known header, too many rows). */
export function parseDonationCsv(text: string, options: ParseOptions): ParsedImport {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new UserError(
      `This file is not valid CSV${line ? ` (line ${line})` : ""}: ${(err as Error).message.slice(0, 120)}`,
    );
  }
  if (!records.length) throw new UserError("The file is empty.");
  if (records.length - 1 > MAX_IMPORT_ROWS)
    throw new UserError(
      `The file has ${records.length - 1} rows; at most ${MAX_IMPORT_ROWS} are read at once. Split it and import each part.`,
    );
  const [head, ...body] = records as [(typeof records)[number], ...typeof records];
  const keys = head.record.map(key);
  const index = new Map<string, number>();
  keys.forEach((k, i) => index.has(k) || index.set(k, i));
  const keySet = new Set(keys);

  const format = FORMATS.find((f) => f.detect(keySet));
  const plain = !format && keys[0] === "date" && keys[1] === "name" && keys[2] === "amount";
  if (!format && !plain) {
    throw new UserError(
      "I do not recognise this file's header row. Import a GoFundMe, Givebutter or Donorbox donor export as downloaded, or a file whose first line is date,name,amount (and optionally currency,id).",
    );
  }
  const source: ImportSource = format?.source ?? "csv";
  const fields: Partial<Record<Field, string[]>> = format?.fields ?? {
    date: ["date"],
    name: ["name"],
    amount: ["amount"],
    currency: ["currency"],
    id: ["id"],
  };
  const cell = (record: string[], field: Field): string => {
    for (const name of fields[field] ?? []) {
      const i = index.get(name);
      if (i !== undefined && record[i] !== undefined && record[i] !== "") return record[i]!;
    }
    return "";
  };

  // Without an anonymity column nobody's choice is known, so no name is kept (plain files excepted).
  const hasAnonymousColumn = fields.anonymous?.some((f) => index.has(f)) ?? false;
  const result: ParsedImport = { source, rows: [], refused: [], skipped: [] };
  const seen = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    const refuse = (reason: string) => result.refused.push({ line, reason });
    const status = cell(record, "status").toLowerCase();
    if (format && status && !format.received.includes(status)) {
      result.skipped.push({ line, reason: `status ${status.slice(0, 20)}` });
      continue;
    }
    if (/^(true|yes|1)$/i.test(cell(record, "refunded"))) {
      result.skipped.push({ line, reason: "refunded" });
      continue;
    }
    const amountText = cell(record, "amount");
    const amountCents = parseAmount(amountText.replace(/^[$€£]\s?/, ""));
    if (amountCents === null) {
      refuse(`amount "${amountText.slice(0, 20)}" is not a number such as 25, 25.00 or 1,000.50`);
      continue;
    }
    if (amountCents === 0) {
      refuse("amount is zero");
      continue;
    }
    const currency = (cell(record, "currency") || options.currency).toUpperCase();
    if (!isCurrency(currency)) {
      refuse(`currency "${currency.slice(0, 10)}" is not a three-letter code such as USD`);
      continue;
    }
    const dateText = cell(record, "date");
    const date = readDate(dateText, options.timeZone);
    if (!date) {
      refuse(`date "${dateText.slice(0, 30)}" is not a date such as 2026-11-20, 2026-11-20 14:30 or 11/20/2026`);
      continue;
    }
    if (date.getTime() > options.now.getTime() + 24 * 3_600_000) {
      refuse(`date ${dateText.slice(0, 30)} is in the future`);
      continue;
    }
    const anonymous = /^(true|yes|1|y)$/i.test(cell(record, "anonymous"));
    const name = cell(record, "name") || [cell(record, "first"), cell(record, "last")].filter(Boolean).join(" ");
    // Plain files name whoever the organizer chose to name; exports say who asked to stay anonymous.
    const isPublic = !anonymous && (plain || hasAnonymousColumn);
    let sourceId = cell(record, "id");
    if (!sourceId) {
      // No id column: the row's content is its id, and a second identical row in the same file is another
      // donation (#2), so the same file imported again maps to the same ids.
      const fingerprint = crypto
        .createHash("sha256")
        .update([date.toISOString(), name, amountCents, currency].join("\u0000"))
        .digest("hex")
        .slice(0, 24);
      const n = (seen.get(fingerprint) ?? 0) + 1;
      seen.set(fingerprint, n);
      sourceId = `row:${fingerprint}#${n}`;
    }
    result.rows.push({
      line,
      sourceId: sourceId.slice(0, 200),
      amountCents,
      currency,
      public: isPublic,
      donorName: isPublic ? name || null : null,
      message: isPublic ? cell(record, "message") || null : null,
      receivedAt: date.toISOString(),
    });
  }
  const ids = new Set<string>();
  result.rows = result.rows.filter((r) => {
    if (!ids.has(r.sourceId)) return ids.add(r.sourceId);
    result.refused.push({ line: r.line, reason: `id ${r.sourceId.slice(0, 40)} appears twice in the file` });
    return false;
  });
  result.refused.sort((a, b) => a.line - b.line);
  return result;
}

const DATE_FORMATS = [
  "yyyy-MM-dd",
  "yyyy-MM-dd HH:mm",
  "yyyy-MM-dd HH:mm:ss",
  "M/d/yyyy",
  "M/d/yyyy H:mm",
  "M/d/yyyy H:mm:ss",
  "M/d/yyyy h:mm a",
  "M/d/yyyy h:mm:ss a",
];

/** ISO 8601 (an offset is honoured), or a US-style date as the exports write them, read in `timeZone`. */
function readDate(text: string, timeZone: string): Date | null {
  if (!text) return null;
  const iso = DateTime.fromISO(text.replace(" UTC", "Z"), { zone: timeZone, setZone: true });
  if (iso.isValid && /^\d{4}-\d{2}-\d{2}/.test(text)) return iso.toJSDate();
  for (const format of DATE_FORMATS) {
    const d = DateTime.fromFormat(text, format, { zone: timeZone, locale: "en-US" });
    if (d.isValid) return d.toJSDate();
  }
  return null;
}
