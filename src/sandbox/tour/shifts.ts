import { DateTime } from "luxon";
import type { Tour } from "./types.js";

/** Volunteers: organizers set up shifts; members claim, wait, drop, hand over and check in. */
export async function shiftsChapter(tour: Tour): Promise<void> {
  const { ava, ben, chloe, dev, eli, fatima, gus } = tour.cast;
  const party = DateTime.now().setZone(tour.timezone).plus({ days: 10 }).startOf("day");
  const at = (hour: number) => party.plus({ hours: hour }).toFormat("yyyy-LL-dd HH:mm");
  const soon = DateTime.now().setZone(tour.timezone).plus({ minutes: 20 });
  const clock = (t: DateTime) => t.toFormat("yyyy-LL-dd HH:mm");

  tour.chapter("Volunteers take shifts");
  tour.narrate(
    "A party for thousands needs hands. Ava sets up shifts; times are typed in the campaign's zone and echoed as Discord timestamps.",
  );
  await tour.command(
    ava,
    "shifts",
    { role: "Door", starts: at(20), ends: "23:00", capacity: 2, description: "Wristbands at the gate" },
    { subcommand: "add" },
  );
  await tour.command(
    ava,
    "shifts",
    { role: "Stage crew", starts: at(18), ends: "02:00", capacity: 1 },
    { subcommand: "add" },
  );
  await tour.command(
    ava,
    "shifts",
    { role: "First aid", starts: at(19), ends: at(25), capacity: 1, requires: tour.discord.guild.roles.firstAid },
    { subcommand: "add", quiet: true },
  );
  await tour.command(
    ava,
    "shifts",
    { role: "Setup", starts: clock(soon), ends: clock(soon.plus({ hours: 2 })), capacity: 3 },
    { subcommand: "add", quiet: true },
  );
  tour.narrate(
    "The stage crew shift crosses midnight and keeps its true eight hours. First aid needs the First Aid role; a Setup shift starts in 20 minutes.",
  );

  const list = await tour.command(ben, "volunteer", {}, { subcommand: "shifts" });
  const door = await tour.autocomplete(ben, "volunteer", { shift: "door" }, "shift", { subcommand: "claim" });
  await tour.select(ben, list, "vol:claim", [String(door[0]!.value)]);

  tour.narrate("Chloe types /volunteer claim: the suggestions show only shifts she could take, with slots left.");
  const stage = await tour.autocomplete(chloe, "volunteer", { shift: "stage" }, "shift", { subcommand: "claim" });
  for (const c of stage) tour.narrate(`  suggestion: ${c.name}`);
  await tour.command(chloe, "volunteer", { shift: String(stage[0]!.value) }, { subcommand: "claim" });
  const full = await tour.command(dev, "volunteer", { shift: String(stage[0]!.value) }, { subcommand: "claim" });
  await tour.click(dev, full, `vol:wait:${stage[0]!.value}`, { label: "Join the waitlist" });

  tour.narrate("Plans change: Chloe drops her shift, ten days ahead. Dev, first on the waitlist, gets it and a DM.");
  await tour.command(chloe, "volunteer", { shift: String(stage[0]!.value) }, { subcommand: "drop" });
  await tour.waitFor(() => tour.discord.dms(dev.id).length > 0);
  tour.showDms(dev);

  const aid = await tour.autocomplete(fatima, "volunteer", { shift: "first" }, "shift", { subcommand: "claim" });
  await tour.command(fatima, "volunteer", { shift: String(aid[0]!.value) }, { subcommand: "claim", quiet: true });
  await tour.command(eli, "volunteer", { shift: String(door[0]!.value) }, { subcommand: "claim", quiet: true });
  tour.narrate(
    "Eli claimed the other Door slot, then can't make it. He offers it to the channel; the first eligible member to press takes it over.",
  );
  const offer = await tour.command(eli, "volunteer", { shift: String(door[0]!.value) }, { subcommand: "offer" });
  const customId = offer.components[0].components[0].custom_id as string;
  await tour.click(fatima, offer, customId, { label: "Take this shift" });
  tour.narrate("Fatima's First aid shift overlaps it, so she is refused, privately. Gus takes it.");
  await tour.click(gus, offer, customId, { label: "Take this shift" });

  tour.narrate("Setup starts soon: Ben claims it and checks in; the hours count toward the campaign.");
  const setup = await tour.autocomplete(ben, "volunteer", { shift: "setup" }, "shift", { subcommand: "claim" });
  await tour.command(ben, "volunteer", { shift: String(setup[0]!.value) }, { subcommand: "claim", quiet: true });
  await tour.command(ben, "volunteer", {}, { subcommand: "checkin" });
  await tour.command(ben, "volunteer", {}, { subcommand: "mine" });
  await tour.command(ava, "shifts", {}, { subcommand: "roster" });
}
