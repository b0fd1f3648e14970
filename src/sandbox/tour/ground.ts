import type { Tour } from "./types.js";

/** Chapter one: the bot is there, and says what it can do (members and organizers see different lists). */
export async function groundChapter(tour: Tour): Promise<void> {
  const { ava, ben } = tour.cast;
  tour.chapter("The bot joins the server");
  tour.narrate(
    "Strangers mocked a man for dancing. A community decided to throw him the greatest dance party ever, and set up keep-dancing to run it.",
  );
  await tour.command(ben, "help");
  await tour.command(ava, "help", {}, { quiet: true });
  tour.narrate("Ava, an organizer, sees the organizer commands too.");
}
