// The demo's money that counts itself: a Stripe payment and a Ko-fi donation reach the bot's webhooks by
// themselves, signed here with this run's secrets as Stripe and Ko-fi would sign them, and the total moves.
import crypto from "node:crypto";
import { checkoutSession, kofiRequest, stripeRequest, type SignedRequest } from "../donations.js";
import type { Tour } from "./types.js";

/** This run's webhook secrets: demo.ts gives them to the bot, the chapter signs with them. */
export const DEMO_WEBHOOKS = {
  stripe: `whsec_demo${crypto.randomBytes(16).toString("hex")}`,
  kofi: crypto.randomBytes(12).toString("hex"),
};

export async function donationsArrive(tour: Tour): Promise<void> {
  const { ava } = tour.cast;
  const listening = tour.bot.logs.find((l) => l.msg === "http server listening");
  if (!listening) throw new Error("the bot did not say where its HTTP server listens");
  const base = String(listening.url);
  const post = async (r: SignedRequest) => {
    const res = await fetch(`${base}${r.path}`, { method: "POST", headers: r.headers, body: r.body });
    return `${res.status} ${await res.text()}`.trim();
  };
  const now = new Date();

  tour.chapter("Money that counts itself");
  tour.narrate(
    "Nobody types these: a Stripe payment and a Ko-fi donation reach the bot's webhooks, signed as Stripe and Ko-fi sign them.",
  );
  const stripe = stripeRequest(
    "checkout.session.completed",
    checkoutSession(
      { sessionId: "cs_demo_dana", amountCents: 25_000, name: "Dana", public: true, message: "Dance on!" },
      now,
    ),
    DEMO_WEBHOOKS.stripe,
    now,
  );
  tour.narrate(
    `POST /webhooks/stripe (checkout.session.completed, $250 from Dana, who agreed to be named): ${await post(stripe)}`,
  );
  tour.narrate(`Stripe retries the same event: ${await post(stripe)} (counted once).`);
  const kofi = kofiRequest(
    {
      messageId: crypto.randomUUID(),
      amount: "25.00",
      fromName: "A quiet friend",
      message: "no names please",
      isPublic: false,
    },
    DEMO_WEBHOOKS.kofi,
    now,
  );
  tour.narrate(`POST /webhooks/kofi ($25, a private Ko-fi donor): ${await post(kofi)}`);
  tour.narrate(
    "A forged or replayed-late event would be refused with 400 or 401 and change nothing (tests/donations.e2e.test.ts).",
  );
  const general = tour.discord.guild.channels.general;
  await tour.waitFor(() => tour.discord.messages(general).some((m) => m.content.includes("Dana")), 20_000);
  tour.showChannel(general, {
    title: "Thank-you lines in DONATION_CHANNEL_ID (the private donor is not named)",
    last: 1,
  });
  await tour.command(ava, "campaign", {}, { subcommand: "sources" });
  await tour.command(ava, "campaign", {}, { subcommand: "donations" });
}
