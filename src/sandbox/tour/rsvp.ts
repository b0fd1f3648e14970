import fs from "node:fs";
import path from "node:path";
import type { StoredMessage } from "../discord/index.js";
import type { Tour } from "./types.js";

/** The party gets a date; members answer with friends until the waitlist starts; a seat frees and moves. */
export async function rsvpChapter(tour: Tour): Promise<void> {
  const { ava, ben, chloe, dev, eli, gus } = tour.cast;
  const announce = tour.discord.guild.channels.announce;
  tour.chapter("The party gets a date");
  tour.narrate(
    "Ava types the time the way she would say it; the bot echoes it as Discord timestamps, so she sees how it was read.",
  );
  await tour.command(
    ava,
    "event",
    {
      name: "A dance party for the dancing man",
      starts: "in 10 days at 8pm",
      ends: "in 10 days at 11:59pm",
      location: "The stadium floor",
      capacity: 12,
      description: "Strangers mocked him for dancing. We are throwing him the greatest dance party ever.",
    },
    { subcommand: "create" },
  );
  const [choice] = await tour.autocomplete(ava, "event", {}, "event", { subcommand: "post" });
  if (!choice) throw new Error("the new event is missing from the autocomplete");
  await tour.command(ava, "event", { event: choice.value }, { subcommand: "post" });
  const post = await tour.waitFor(() =>
    tour.discord.messages(announce).find((m) => m.embeds[0]?.title === "A dance party for the dancing man"),
  );
  const id = (action: string) => `rsvp:${action}:${choice.value}`;
  const current = () => tour.discord.message(post.id) as StoredMessage;

  tour.chapter("Members answer, with friends");
  await tour.click(ben, post, id("going"), { label: "Going" });
  tour.narrate("Chloe brings three friends; the guest menu on the announcement does it in one pick.");
  await tour.select(chloe, post, id("guests"), ["3"]);
  await tour.command(dev, "rsvp", { guests: 2 }, { subcommand: "going" });
  await tour.click(eli, post, id("maybe"), { label: "Maybe" });
  tour.narrate("A crowd arrives from the viral post; seats run out and the waitlist starts by itself.");
  const crowd = tour.cast.crowd(6);
  for (const member of crowd) await tour.click(member, post, id("going"), { quiet: true });
  await tour.click(gus, post, id("going"), { label: "Going" });
  await tour.waitFor(
    () =>
      current().embeds[0]?.fields?.some(
        (f: { name: string; value: string }) => f.name === "Waitlist" && f.value !== "0 people",
      ),
    15_000,
  );
  tour.showChannel(announce, { title: "The announcement, edited live" });

  tour.chapter("A seat frees up");
  tour.narrate(
    "Dev's friends cannot come after all: two seats free, and the first two on the waitlist move up at once, each told by DM.",
  );
  await tour.command(dev, "rsvp", { guests: 0 }, { subcommand: "going" });
  const lucky = await tour.waitFor(
    () => crowd.find((m) => tour.discord.dms(m.id).some((dm) => dm.content.includes("now **going**"))),
    15_000,
  );
  tour.showDms(lucky);
  await tour.command(gus, "rsvp", {}, { subcommand: "mine" });

  tour.chapter("Who is coming");
  await tour.command(ava, "rsvp", { event: choice.value }, { subcommand: "list" });
  const exported = await tour.command(ava, "rsvp", { event: choice.value }, { subcommand: "export", quiet: true });
  const csv = exported.attachments.find((a) => a.name.endsWith(".csv"));
  if (csv) {
    const file = path.join(tour.outDir, csv.name);
    fs.writeFileSync(file, csv.data);
    tour.narrate(
      `Ava exports the answers: ${csv.data.toString().trim().split("\n").length - 1} rows saved to ${file}, safe to open in a spreadsheet.`,
    );
  }
}
