import type { Tour } from "./types.js";

/** The bot's own web page: the numbers for anyone, a private calendar for each member, health for the operator. */
export async function pageChapter(tour: Tour): Promise<void> {
  const { ben } = tour.cast;
  const listening = tour.bot.logs.find((l) => l.msg === "http server listening");
  if (!listening) throw new Error("the bot did not say where its HTTP server listens");
  const url = String(listening.publicUrl);

  tour.chapter("The campaign's public page");
  tour.narrate(`The followers on X who see a milestone post have somewhere to look: ${url}/`);
  const state = (await (await fetch(`${url}/state.json`)).json()) as { text: Record<string, string> };
  const t = state.text;
  tour.narrate(
    `It says ${t.raised} raised of ${t.goal} (${t.percent}), ${t.going} going, ${t.volunteers} volunteers and ${t.sets} DJ ${t.sets === "1" ? "set" : "sets"} in the lineup, and lists the lineup, the events with seats left, the shifts still short of people and the latest milestones. Counts only: no member's name is on it.`,
  );
  tour.narrate(
    "It updates by itself while open (one database read every few seconds serves every visitor), and a shared link shows the progress card.",
  );

  tour.chapter("Everyone's own calendar");
  tour.narrate(
    `Every event and DJ set, for any calendar app: ${url}/calendar.ics. Ben wants only his own: the party he is going to and his shifts.`,
  );
  await tour.command(ben, "calendar", {}, { subcommand: "link" });

  const ready = await fetch(`${url}/readyz`);
  tour.narrate(
    `And for whoever runs the bot: ${url}/healthz, ${url}/readyz (now ${ready.status}: ${JSON.stringify(await ready.json())}) and ${url}/metrics for Prometheus.`,
  );
}
