// The progress card: the right size, not blank, and a bar filled in proportion to the share of the goal.
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { describe, expect, it } from "vitest";
import { CARD, renderCard, renderCardCached } from "../src/card/card.js";
import { cardAltText, type CardData } from "../src/services/cardData.js";

const base: CardData = {
  name: "A dance party for the dancing man",
  raisedCents: 0,
  goalCents: 2_000_000,
  currency: "USD",
  rsvps: 412,
  volunteers: 37,
};

async function pixels(png: Buffer) {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

function hex(color: string): [number, number, number] {
  const n = Number.parseInt(color.slice(1), 16);
  return [n >> 16, (n >> 8) & 255, n & 255];
}

/** Pixels of the bar's middle row in the given colour. */
function barPixels(img: Awaited<ReturnType<typeof pixels>>, color: string): number {
  const [r, g, b] = hex(color);
  const y = CARD.bar.y + Math.floor(CARD.bar.height / 2);
  let n = 0;
  for (let x = CARD.bar.x; x < CARD.bar.x + CARD.bar.width; x++) {
    const i = (y * img.width + x) * 4;
    if (Math.abs(img.data[i]! - r) < 8 && Math.abs(img.data[i + 1]! - g) < 8 && Math.abs(img.data[i + 2]! - b) < 8) n++;
  }
  return n;
}

describe("progress card", () => {
  it("is a 1200x675 PNG well under X's 5 MB", async () => {
    const png = await renderCard({ ...base, raisedCents: 1_000_000, headline: "Milestone: 50% of the goal" });
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(1200);
    expect(png.readUInt32BE(20)).toBe(675);
    expect(png.length).toBeLessThan(5 * 1024 * 1024);
  });

  it.each([0, 10, 25, 50, 73, 99])("fills %i%% of the bar", async (percent) => {
    const img = await pixels(await renderCard({ ...base, raisedCents: (base.goalCents * percent) / 100 }));
    const filled = barPixels(img, CARD.colors.fill);
    const track = barPixels(img, CARD.colors.track);
    expect(Math.abs(filled - CARD.bar.width * (percent / 100))).toBeLessThanOrEqual(3);
    expect(filled + track).toBeGreaterThan(CARD.bar.width - 6); // the rest is the track (antialiased edges aside)
  });

  it("fills the whole bar, in gold, past the goal", async () => {
    const img = await pixels(await renderCard({ ...base, raisedCents: 3_300_000 }));
    expect(barPixels(img, CARD.colors.over)).toBeGreaterThan(CARD.bar.width - 6);
    expect(barPixels(img, CARD.colors.fill)).toBe(0);
  });

  it("draws text (not blank outside the bar) with the shipped font", async () => {
    const img = await pixels(
      await renderCard({ ...base, raisedCents: 500_000, headline: "Milestone: 25% of the goal" }),
    );
    const [br, bg, bb] = hex(CARD.colors.background);
    let ink = 0;
    for (let y = 40; y < 340; y++) {
      for (let x = 0; x < img.width; x++) {
        const i = (y * img.width + x) * 4;
        if (Math.abs(img.data[i]! - br) + Math.abs(img.data[i + 1]! - bg) + Math.abs(img.data[i + 2]! - bb) > 60) ink++;
      }
    }
    expect(ink).toBeGreaterThan(20_000);
  });

  it("draws a card once for a burst of the same numbers", async () => {
    const a = await renderCardCached({ ...base, raisedCents: 123_400 });
    expect(await renderCardCached({ ...base, raisedCents: 123_400 })).toBe(a);
    expect(await renderCardCached({ ...base, raisedCents: 123_500 })).not.toBe(a);
  });

  it("describes itself for alt text", () => {
    expect(cardAltText({ ...base, raisedCents: 3_300_000, volunteers: 1 })).toBe(
      "Progress card for A dance party for the dancing man. $33,000 raised of a $20,000 goal (165%). 412 going, 1 volunteer.",
    );
  });
});
