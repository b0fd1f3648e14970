import type { Tour } from "./types.js";

/** What the organizers did, on the record: the audit trail of every organizer action in the tour so far. */
export async function auditChapter(tour: Tour): Promise<void> {
  const { ava } = tour.cast;
  tour.chapter("The organizers' audit trail");
  tour.narrate(
    "Every organizer action above (the event, its capacity, the shifts, the DJ's approval and slot, the campaign and each sum of money) left one row: who, when, what, before and after. Ava reads the money's part, newest first.",
  );
  await tour.command(ava, "audit", { kind: "money.donation" }, { subcommand: "list" });
  tour.narrate("`/audit export` gives the whole trail as a CSV file, for the treasurer.");
}
