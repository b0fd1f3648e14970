import type { Tour } from "./types.js";

/** A famous DJ offers a free set, the organizers put it in the lineup, members request tracks and vote. */
export async function djChapter(tour: Tour): Promise<void> {
  const { ava, ben, chloe, dev, eli, fatima, lumen } = tour.cast;
  const review = tour.discord.guild.channels.review;
  tour.chapter("A DJ offers a set");
  tour.narrate("Word reaches Lumen, a DJ with a big following. Lumen offers a free set.");
  await tour.command(lumen, "dj", {}, { subcommand: "offer" });
  await tour.submitModal(lumen, "djoffer:submit", {
    djName: "Lumen",
    genres: "disco, house, funk",
    minutes: "180",
    links: "https://example.com/lumen/mixes",
    note: "For the dancing man. No fee, just bring the floor.",
  });
  const post = await tour.waitFor(() =>
    tour.discord.messages(review).find((m) => m.embeds[0]?.title === "DJ offer: Lumen"),
  );
  tour.showChannel(review, { title: "The review channel" });

  tour.narrate("Ben is curious and presses Approve; only organizers may decide.");
  const approve = post.components[0].components[0].custom_id as string;
  await tour.click(ben, post, approve);
  await tour.click(ava, post, approve);
  await tour.waitFor(() => tour.discord.dms(lumen.id).find((m) => m.content.includes("approved")));
  tour.showDms(lumen);

  tour.chapter("The lineup");
  const [choice] = await tour.autocomplete(ava, "dj", {}, "offer", { group: "lineup", subcommand: "set" });
  if (!choice) throw new Error("the approved offer is missing from the autocomplete");
  await tour.command(
    ava,
    "dj",
    { offer: choice.value, starts: "in 10 days at 8pm", ends: "180", stage: "Main stage" },
    { group: "lineup", subcommand: "set" },
  );
  await tour.waitFor(() => tour.discord.dms(lumen.id).find((m) => m.content.startsWith("You are in the lineup")));
  tour.showDms(lumen);
  await tour.command(ben, "dj", {}, { group: "lineup", subcommand: "show" });

  tour.chapter("Members request tracks");
  tour.narrate("Requests go to the set playing now, or the next one: Lumen's.");
  await tour.command(
    ben,
    "dj",
    { title: "September", artist: "Earth, Wind & Fire", notify: true },
    { subcommand: "request" },
  );
  tour.narrate("Chloe asks for the same track, spelled her way: it becomes a vote, not a second entry.");
  await tour.command(chloe, "dj", { title: "september!!", artist: "Earth Wind and Fire" }, { subcommand: "request" });
  await tour.command(dev, "dj", { title: "Le Freak", artist: "Chic" }, { subcommand: "request" });
  await tour.command(
    eli,
    "dj",
    { title: "Don't Stop 'Til You Get Enough", artist: "Michael Jackson" },
    { subcommand: "request" },
  );
  for (const [i, member] of tour.cast.crowd(4).entries()) {
    const spelling = ["Dancing Queen", "dancing queen (Remastered 2014)", "Dancing Queen!", "DANCING QUEEN"][i]!;
    await tour.command(member, "dj", { title: spelling, artist: "ABBA" }, { subcommand: "request", quiet: i > 0 });
  }
  tour.narrate("Three more people asked for Dancing Queen, each spelled differently: all votes on one entry.");
  tour.narrate("Ben tries to request again right away; the cooldown keeps the queue fair.");
  await tour.command(ben, "dj", { title: "Good Times", artist: "Chic" }, { subcommand: "request" });

  tour.chapter("The queue, by votes");
  const queue = await tour.command(fatima, "dj", {}, { subcommand: "queue" });
  tour.narrate("Fatima upvotes the fourth track; the queue reorders as she presses.");
  const fourth = (queue.components as { components: { custom_id: string; label: string }[] }[])
    .flatMap((row) => row.components)
    .find((b) => b.label === "▲ 4")?.custom_id;
  if (fourth) await tour.click(fatima, queue, fourth, { label: "▲ 4" });

  tour.chapter("The party night");
  const requests = await tour.autocomplete(lumen, "dj", {}, "request", { subcommand: "played" });
  const september = requests.find((r) => r.name.startsWith("September"));
  if (september) await tour.command(lumen, "dj", { request: september.value }, { subcommand: "played" });
  await tour.waitFor(() => tour.discord.dms(ben.id).find((m) => m.content.startsWith("Now playing")));
  tour.narrate("Ben asked to be told: the bot DMs him as his track starts.");
  tour.showDms(ben);
}
