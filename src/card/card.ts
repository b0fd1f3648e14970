// The progress card: a PNG (1200x675, X's 16:9) with the campaign's name, raised of goal, a bar, RSVPs and
// volunteers. Drawn with @napi-rs/canvas (Skia, prebuilt, no system libraries) and fonts shipped in
// src/card/fonts, so it renders the same on every machine.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SKRSContext2D } from "@napi-rs/canvas";
import { formatCount, formatMoney, percentOf } from "../services/amounts.js";
import type { CardData } from "../services/cardData.js";

/** Where things are drawn; exported so tests can read the bar's pixels. */
export const CARD = {
  width: 1200,
  height: 675,
  bar: { x: 80, y: 430, width: 1040, height: 56 },
  colors: {
    background: "#15122a",
    track: "#2f2a4d",
    fill: "#e9407a",
    over: "#ffc83d",
    text: "#ffffff",
    muted: "#b9b3d6",
  },
} as const;

const FAMILY = "KeepDancingSans";
const FONTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "fonts");
let skia: Promise<typeof import("@napi-rs/canvas")> | undefined;

/**
 * Skia and the fonts, loaded on the first card rather than at start: a bot that never draws one (or not yet)
 * does not carry them in memory.
 */
function loadCanvas(): Promise<typeof import("@napi-rs/canvas")> {
  skia ??= import("@napi-rs/canvas").then((mod) => {
    for (const file of ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]) {
      if (!mod.GlobalFonts.registerFromPath(path.join(FONTS_DIR, file), FAMILY))
        throw new Error(`could not load the card font ${file}`);
    }
    return mod;
  });
  return skia;
}

/** Draws the card; the PNG encoding runs off the main thread. */
export async function renderCard(data: CardData): Promise<Buffer> {
  const { createCanvas } = await loadCanvas();
  const canvas = createCanvas(CARD.width, CARD.height);
  const ctx = canvas.getContext("2d");
  const { colors, bar } = CARD;
  const percent = percentOf(data.raisedCents, data.goalCents);

  ctx.fillStyle = colors.background;
  ctx.fillRect(0, 0, CARD.width, CARD.height);

  ctx.textBaseline = "alphabetic";
  ctx.fillStyle = colors.text;
  // Long names get a smaller size before an ellipsis.
  for (const size of [54, 48, 42, 38]) {
    ctx.font = `bold ${size}px ${FAMILY}`;
    if (ctx.measureText(data.name).width <= CARD.width - 160) break;
  }
  ctx.fillText(fit(ctx, data.name, CARD.width - 160), 80, 120);

  if (data.headline) {
    ctx.fillStyle = colors.fill;
    ctx.font = `bold 34px ${FAMILY}`;
    ctx.fillText(fit(ctx, data.headline, CARD.width - 160), 80, 180);
  }

  ctx.fillStyle = colors.text;
  ctx.font = `bold 96px ${FAMILY}`;
  const raised = formatMoney(data.raisedCents, data.currency);
  ctx.fillText(raised, 80, 320);
  const raisedWidth = ctx.measureText(raised).width;
  ctx.fillStyle = colors.muted;
  ctx.font = `36px ${FAMILY}`;
  ctx.fillText(
    fit(ctx, `raised of ${formatMoney(data.goalCents, data.currency)}`, CARD.width - 200 - raisedWidth),
    100 + raisedWidth,
    320,
  );

  ctx.fillStyle = percent >= 100 ? colors.over : colors.fill;
  ctx.font = `bold 44px ${FAMILY}`;
  ctx.textAlign = "right";
  ctx.fillText(`${formatCount(percent)}%`, bar.x + bar.width, 400);
  ctx.textAlign = "left";

  // The bar: the track, then the share of the goal (full past 100%, in gold).
  ctx.fillStyle = colors.track;
  roundRect(ctx, bar.x, bar.y, bar.width, bar.height);
  const filled = barFill(data.raisedCents, data.goalCents);
  if (filled > 0) {
    ctx.fillStyle = percent >= 100 ? colors.over : colors.fill;
    roundRect(ctx, bar.x, bar.y, filled, bar.height);
  }

  ctx.fillStyle = colors.text;
  ctx.font = `bold 40px ${FAMILY}`;
  const going = `${formatCount(data.rsvps)} going`;
  ctx.fillText(going, 80, 580);
  const goingWidth = ctx.measureText(going).width;
  ctx.fillStyle = colors.muted;
  ctx.fillText("·", 110 + goingWidth, 580);
  ctx.fillStyle = colors.text;
  ctx.fillText(
    `${formatCount(data.volunteers)} ${data.volunteers === 1 ? "volunteer" : "volunteers"}`,
    160 + goingWidth,
    580,
  );

  return canvas.encode("png");
}

const recent = new Map<string, Promise<Buffer>>();

/**
 * renderCard, remembering the last few cards by their numbers: a burst of /campaign status between two
 * changes draws once, keeping image work off most interactions before their answer.
 */
/** Whether this card is ready (or being drawn): then answering with it costs no drawing. */
export function isCardCached(data: CardData): boolean {
  return recent.has(JSON.stringify(data));
}

export function renderCardCached(data: CardData): Promise<Buffer> {
  const key = JSON.stringify(data);
  let png = recent.get(key);
  if (!png) {
    png = renderCard(data);
    png.catch(() => recent.delete(key));
    recent.set(key, png);
    if (recent.size > 8) recent.delete(recent.keys().next().value!);
  }
  return png;
}

/** Pixels of the bar filled: proportional to the share of the goal, the whole bar from 100 % on. */
export function barFill(raisedCents: number, goalCents: number): number {
  if (goalCents <= 0 || raisedCents <= 0) return 0;
  return Math.round(CARD.bar.width * Math.min(1, raisedCents / goalCents));
}

function roundRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number): void {
  const r = Math.min(h / 2, w / 2);
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
  ctx.fill();
}

/** Cuts text with an ellipsis to fit a width (long names must not run off the card). */
function fit(ctx: SKRSContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  const chars = [...text];
  while (chars.length > 1 && ctx.measureText(`${chars.join("")}…`).width > width) chars.pop();
  return `${chars.join("")}…`;
}
