// Bluesky record keys: a TID is 13 characters of base32-sortable text encoding 53 bits of microseconds since
// the epoch and 10 bits of clock id (atproto's "Timestamp Identifier"). The AppView indexes posts only under
// TID keys, so the key we choose before the first attempt must be one.
const ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";
export const TID_PATTERN = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;

let lastMicros = 0n;

/**
 * A TID for the moment `now`: strictly increasing within this process (two keys chosen in one millisecond
 * differ), with a random clock id so two processes choosing at once differ too.
 */
export function tidFor(now: Date, random: () => number = Math.random): string {
  let micros = BigInt(now.getTime()) * 1000n + BigInt(Math.floor(random() * 1000));
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  const clockId = BigInt(Math.floor(random() * 1024));
  let value = (micros << 10n) | clockId;
  let out = "";
  for (let i = 0; i < 13; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function isTid(value: string): boolean {
  return TID_PATTERN.test(value);
}
