import fs from "node:fs";
import path from "node:path";
import type { Tour } from "./types.js";

/** Members own their data: Chloe sees what the bot keeps about her, takes a copy, and has it forgotten. */
export async function privacyChapter(tour: Tour): Promise<void> {
  const { chloe } = tour.cast;
  tour.chapter("Leaving: what the bot keeps, a copy, and forgetting");
  tour.narrate("Chloe is moving away. She asks what the bot keeps about her, and for how long.");
  await tour.command(chloe, "privacy", {}, { subcommand: "show" });
  const exported = await tour.command(chloe, "privacy", {}, { subcommand: "export", quiet: true });
  const file = exported.attachments[0];
  if (!file) throw new Error("/privacy export sent no file");
  fs.writeFileSync(path.join(tour.outDir, file.name), file.data);
  const tables = (JSON.parse(file.data.toString("utf8")) as { tables: Record<string, unknown[]> }).tables;
  const kinds = Object.entries(tables).filter(([, rows]) => rows.length);
  tour.narrate(
    `Her copy, ${file.name}, lists ${kinds.map(([k, rows]) => `${k}: ${rows.length}`).join(", ")}. Then she asks to be forgotten, and confirms.`,
  );
  const ask = await tour.command(chloe, "privacy", {}, { subcommand: "forget", quiet: true });
  await tour.click(chloe, ask, `privacy:forget:${chloe.id}`, { label: "Forget everything" });
  tour.narrate(
    "Her seats went to whoever waited, and nothing the bot keeps carries her id or name any more; the totals still add up (what already happened is credited to “a former member”).",
  );
}
