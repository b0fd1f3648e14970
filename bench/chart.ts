// The latency chart: acknowledgement p50 and p99 against the offered rate, full path and floor, per database,
// both axes logarithmic. Drawn with @napi-rs/canvas and the card's own font, so it looks the same everywhere.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import type { LoadResult } from "./loadSection.js";
import type { StageStats } from "./stats.js";

const FONT = "BenchSans";
GlobalFonts.registerFromPath(
  path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "card", "fonts", "DejaVuSans.ttf"),
  FONT,
);

const W = 960;
const H = 560;
const PAD = { left: 80, right: 230, top: 50, bottom: 60 };
const COLORS = ["#e9407a", "#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#64748b", "#ef4444", "#a16207"];

/** Interactions left unanswered count as slower than Discord's 3 s: a p99 over the answered ones alone would flatter. */
function effective(stage: StageStats, p: "p50" | "p99"): number {
  const unanswered = stage.failed / Math.max(1, stage.sent);
  return unanswered > (p === "p99" ? 0.01 : 0.5) ? UNANSWERED_MS : stage[p];
}
const UNANSWERED_MS = 3000;

interface Series {
  name: string;
  dashed: boolean;
  points: [number, number][];
}

export async function latencyChart(loads: LoadResult[]): Promise<Buffer> {
  const series: Series[] = [];
  for (const load of loads) {
    for (const path of ["full", "floor"] as const) {
      for (const p of ["p50", "p99"] as const) {
        const points = load.stages
          .map((s) => [s[path].offered ?? 0, Math.max(0.1, effective(s[path], p))] as [number, number])
          .filter(([x, y]) => x > 0 && Number.isFinite(y))
          .sort((a, b) => a[0] - b[0]);
        series.push({ name: `${path} ${p} (${load.database})`, dashed: path === "floor", points });
      }
    }
  }
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter((x) => x > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const x0 = Math.log10(Math.min(...xs) * 0.8);
  const x1 = Math.log10(Math.max(...xs) * 1.25);
  const y0 = Math.floor(Math.log10(Math.max(0.1, Math.min(...ys))));
  const y1 = Math.ceil(Math.log10(Math.max(...ys) * 1.1));
  const px = (x: number) => PAD.left + ((Math.log10(x) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((Math.log10(y) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);

  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, W, H);
  ctx.font = `18px ${FONT}`;
  ctx.fillStyle = "#111827";
  ctx.fillText("Acknowledgement latency against offered rate", PAD.left, 30);
  ctx.font = `12px ${FONT}`;
  ctx.strokeStyle = "#e5e7eb";
  ctx.fillStyle = "#374151";
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(W - PAD.right, y);
    ctx.stroke();
    ctx.fillText(`${10 ** e} ms`, 10, y + 4);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    const X = px(x);
    ctx.beginPath();
    ctx.moveTo(X, PAD.top);
    ctx.lineTo(X, H - PAD.bottom);
    ctx.stroke();
    ctx.fillText(`${x}/s`, X - 14, H - PAD.bottom + 18);
  }
  ctx.fillText(
    "interactions offered per second (log); 3000 ms: over 1 % (p99) or half (p50) unanswered within 3 s",
    PAD.left,
    H - 18,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    s.points.forEach(([x, y], j) => (j ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
    ctx.stroke();
    for (const [x, y] of s.points) ctx.fillRect(px(x) - 3, py(y) - 3, 6, 6);
    const ly = PAD.top + 10 + i * 22;
    ctx.beginPath();
    ctx.moveTo(W - PAD.right + 16, ly);
    ctx.lineTo(W - PAD.right + 46, ly);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#111827";
    ctx.fillText(s.name, W - PAD.right + 54, ly + 4);
  });
  return canvas.encode("png");
}
