// The public page as HTML, rendered on the server from one snapshot: readable without JavaScript, in the
// progress card's colours (page.css). The live parts are marked with data-live (numbers) and data-section
// (lists); /page.js replaces them from the same renderer's output sent over /events, so there is one template.
import { cardAltText, cardData, type CardData } from "../../services/cardData.js";
import { formatCount, formatMoney, percentOf } from "../../services/amounts.js";
import type { PublicSnapshot } from "../../services/publicSnapshot.js";
import { Html, html } from "./html.js";

export const SECTIONS = ["lineup", "events", "shifts", "posts"] as const;
export type SectionName = (typeof SECTIONS)[number];

/** Everything that changes while the page is open: what /events sends and /page.js applies. */
export interface PageState {
  title: string;
  /** The text of each data-live element. */
  text: Record<string, string>;
  /** The progress bar's value, 0 to 100. */
  progress: number;
  sections: Record<SectionName, string>;
}

export interface PageMeta {
  publicUrl: string;
  inviteUrl?: string;
  timezone: string;
  /** The card's ETag (quoted hash), added to its URL so shared links pick up the current card. */
  cardVersion: string | null;
}

function formatter(timezone: string, options: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat("en-US", { timeZone: timezone, ...options });
}

export function card(snapshot: PublicSnapshot): CardData | null {
  return snapshot.campaign ? cardData(snapshot.campaign, snapshot.metrics) : null;
}

export function pageState(snapshot: PublicSnapshot, timezone: string): PageState {
  const c = snapshot.campaign;
  const m = snapshot.metrics;
  const currency = c?.currency ?? "USD";
  const goal = c?.goalCents ?? 0;
  const percent = percentOf(m.raised_cents, goal);
  const raised = formatMoney(m.raised_cents, currency);
  const goalText = formatMoney(goal, currency);
  return {
    title: c ? `${c.name}: ${raised} raised of ${goalText}` : "keep-dancing",
    text: {
      raised,
      goal: goalText,
      percent: `${formatCount(percent)}%`,
      going: formatCount(m.rsvps_going),
      volunteers: formatCount(m.volunteers),
      hours: formatCount(Math.floor(m.volunteer_minutes_served / 60)),
      sets: formatCount(m.lineup_sets),
    },
    progress: Math.min(100, percent),
    sections: {
      lineup: lineupSection(snapshot, timezone).value,
      events: eventsSection(snapshot, timezone).value,
      shifts: shiftsSection(snapshot, timezone).value,
      posts: postsSection(snapshot, timezone).value,
    },
  };
}

function lineupSection(snapshot: PublicSnapshot, timezone: string): Html {
  if (!snapshot.lineup.length) return html`<p class="empty">The lineup is still being put together.</p>`;
  const dayOf = formatter(timezone, { weekday: "long", month: "long", day: "numeric" });
  const time = formatter(timezone, { hour: "numeric", minute: "2-digit" });
  const days = new Map<string, PublicSnapshot["lineup"]>();
  for (const set of snapshot.lineup) {
    const day = dayOf.format(set.startsAt);
    days.set(day, [...(days.get(day) ?? []), set]);
  }
  return html`${[...days].map(
    ([day, sets]) =>
      html`<h3>${day}</h3>
        <ul class="sets">
          ${sets.map(
            (s) =>
              html`<li${s.playing ? html` class="playing"` : ""}><span class="when"><time datetime="${s.startsAt.toISOString()}">${time.format(s.startsAt)}</time>–<time datetime="${s.endsAt.toISOString()}">${time.format(s.endsAt)}</time></span> <strong>${s.dj}</strong> <span class="stage">${s.stage}</span>${s.playing ? html` <span class="now">Playing now</span>` : ""}</li>`,
          )}
        </ul>`,
  )}`;
}

function eventsSection(snapshot: PublicSnapshot, timezone: string): Html {
  if (!snapshot.events.length) return html`<p class="empty">No events are planned yet.</p>`;
  const when = formatter(timezone, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
  return html`<ul class="events">
    ${snapshot.events.map((e) => {
      const seats = e.waitlistOpen
        ? html`<span class="badge wait">Waitlist open</span>`
        : e.seatsLeft === null
          ? html`<span class="badge">Open to everyone</span>`
          : html`<span class="badge">${formatCount(e.seatsLeft)} ${e.seatsLeft === 1 ? "seat" : "seats"} left</span>`;
      return html`<li>
        <h3>${e.name}</h3>
        <p>
          <time datetime="${e.startsAt.toISOString()}">${when.format(e.startsAt)}</time
          >${e.location ? html` · ${e.location}` : ""}
        </p>
        <p>${formatCount(e.going)} going ${seats}</p>
      </li>`;
    })}
  </ul>`;
}

function shiftsSection(snapshot: PublicSnapshot, timezone: string): Html {
  if (!snapshot.shortShifts.length) return html`<p class="empty">Every shift is covered. Thank you!</p>`;
  const when = formatter(timezone, {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
  return html`<ul class="shifts">
    ${snapshot.shortShifts.map(
      (r) =>
        html`<li>
          <strong>${r.role}</strong>: ${formatCount(r.openSlots)} ${r.openSlots === 1 ? "person" : "people"} needed on
          ${formatCount(r.shifts)} ${r.shifts === 1 ? "shift" : "shifts"}, from
          <time datetime="${r.firstStartsAt.toISOString()}">${when.format(r.firstStartsAt)}</time>
        </li>`,
    )}
  </ul>`;
}

function postsSection(snapshot: PublicSnapshot, timezone: string): Html {
  if (!snapshot.posts.length) return html`<p class="empty">No milestone reached yet: every share helps.</p>`;
  const when = formatter(timezone, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  return html`<ul class="posts">
    ${snapshot.posts.map(
      (p) =>
        html`<li>
          <p>${p.text}</p>
          <time datetime="${p.at.toISOString()}">${when.format(p.at)}</time>
        </li>`,
    )}
  </ul>`;
}

export function renderPage(snapshot: PublicSnapshot, state: PageState, meta: PageMeta): string {
  const c = snapshot.campaign;
  const data = card(snapshot);
  const alt = data ? cardAltText(data) : "";
  const base = meta.publicUrl;
  const image = meta.cardVersion
    ? `${base}/card.png?v=${encodeURIComponent(meta.cardVersion.replace(/"/g, ""))}`
    : null;
  const description = c
    ? `${state.text.raised} raised of ${state.text.goal} (${state.text.percent}). ${state.text.going} going, ${state.text.volunteers} volunteers. Come and join us.`
    : "A community campaign run with keep-dancing.";
  const webcal = `${base.replace(/^https?:/, "webcal:")}/calendar.ics`;
  const section = (name: SectionName, title: string) =>
    html`<section aria-labelledby="${name}-title">
      <h2 id="${name}-title">${title}</h2>
      <div data-section="${name}">${new Html(state.sections[name]) /* rendered by this file, already escaped */}</div>
    </section>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${state.title}</title>
        <meta name="description" content="${description}" />
        <meta property="og:type" content="website" />
        <meta property="og:title" content="${c?.name ?? "keep-dancing"}" />
        <meta property="og:description" content="${description}" />
        <meta property="og:url" content="${base}/" />
        ${
          image
            ? html`<meta property="og:image" content="${image}" />
                <meta property="og:image:type" content="image/png" />
                <meta property="og:image:width" content="1200" />
                <meta property="og:image:height" content="675" />
                <meta property="og:image:alt" content="${alt}" />
                <meta name="twitter:card" content="summary_large_image" />
                <meta name="twitter:image" content="${image}" />
                <meta name="twitter:image:alt" content="${alt}" />`
            : html`<meta name="twitter:card" content="summary" />`
        }
        <meta name="twitter:title" content="${c?.name ?? "keep-dancing"}" />
        <meta name="twitter:description" content="${description}" />
        <link rel="stylesheet" href="/page.css" />
        <script src="/page.js" defer></script>
      </head>
      <body>
        <header class="hero">
          <h1>${c?.name ?? "The campaign has not started yet"}</h1>
          ${
            c
              ? html`<div class="numbers" aria-live="polite">
                  <p class="raised">
                    <strong data-live="raised">${state.text.raised}</strong> raised of
                    <span data-live="goal">${state.text.goal}</span>
                  </p>
                  <div class="bar">
                    <label for="progress">Progress toward the goal</label>
                    <progress id="progress" max="100" value="${state.progress}">${state.text.percent}</progress>
                    <span class="percent" data-live="percent">${state.text.percent}</span>
                  </div>
                  <ul class="stats">
                    <li><strong data-live="going">${state.text.going}</strong> going</li>
                    <li><strong data-live="volunteers">${state.text.volunteers}</strong> volunteers</li>
                    <li><strong data-live="hours">${state.text.hours}</strong> hours served</li>
                    <li><strong data-live="sets">${state.text.sets}</strong> DJ sets</li>
                  </ul>
                </div>`
              : html`<p>Come back soon.</p>`
          }
          ${meta.inviteUrl ? html`<p><a class="join" href="${meta.inviteUrl}">Join us on Discord</a></p>` : ""}
        </header>
        <main>
          ${section("lineup", "Lineup")} ${section("events", "Upcoming events")}
          ${section("shifts", "Volunteers needed")} ${section("posts", "Latest milestones")}
        </main>
        <footer>
          <p>
            Times are in ${meta.timezone.replace(/_/g, " ")}.
            <a href="${webcal}">Add every event and set to your calendar</a> (or subscribe to
            <a href="${base}/calendar.ics">${base}/calendar.ics</a>).
          </p>
          <p class="live" data-live-status>These numbers update by themselves.</p>
        </footer>
      </body>
    </html> `.value;
}
