// Real-format snowflakes (timestamp since the Discord epoch, then a counter), so discord.js derives
// sensible `createdAt` values from them.
const DISCORD_EPOCH = 1420070400000n;
let counter = 0n;

/** `at`: the instant it encodes (ms), the emulator's clock for messages. */
export function snowflake(at = Date.now()): string {
  counter = (counter + 1n) & 0xfffn;
  return (((BigInt(Math.floor(at)) - DISCORD_EPOCH) << 22n) | (1n << 17n) | counter).toString();
}
