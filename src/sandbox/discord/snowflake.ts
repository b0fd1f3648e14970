// Real-format snowflakes (timestamp since the Discord epoch, then a counter), so discord.js derives
// sensible `createdAt` values from them.
const DISCORD_EPOCH = 1420070400000n;
let counter = 0n;

export function snowflake(): string {
  counter = (counter + 1n) & 0xfffn;
  return (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n) | counter).toString();
}
