// Reads a V8 CPU profile (node --cpu-prof) of the bot and says where its time went: by function (self time)
// and by package, so a report can name the cost instead of guessing.
import fs from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of samples by package (or "project", "node", "(idle)", "(gc)"...), largest first. */
  byPackage: { name: string; share: number }[];
  /** The functions with the most self time, largest first. */
  topFunctions: { name: string; share: number }[];
}

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith("node:")) return "node";
  if (url.includes("/src/generated/")) return "project: generated prisma";
  if (url.includes("/src/") || url.includes("/commands/")) return "project";
  return path.basename(url);
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length || 1;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (!n) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + n);
    const where = url
      ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(src|commands)\//, "$1/")}:${lineNumber + 1}`
      : "";
    const key = `${functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + n);
  }
  const share = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, share: Math.round((n / total) * 1000) / 10 }));
  return {
    file,
    totalMs: Math.round((profile.endTime - profile.startTime) / 1000),
    byPackage: share(byPackage),
    topFunctions: share(byFunction),
  };
}

/** The newest .cpuprofile of a folder. */
export function latestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}
