// The campaign's counters by name, and their wording: imported by rules, post text, the card and the
// views alike, so it imports nothing.

/** Every counter, with what it counts in words (the /campaign milestone choices, the {metric} placeholder). */
export const METRICS = {
  raised_cents: "money raised, in cents",
  rsvps_going: "people going to events, guests included",
  rsvps_maybe: "members who answered maybe",
  rsvps_waitlisted: "people on waitlists",
  volunteers: "distinct members holding at least one shift",
  shift_slots_filled: "shift slots taken",
  shift_slots_total: "shift slots offered",
  volunteer_minutes_served: "minutes of shifts checked in",
  djs_approved: "DJs whose offer was approved",
  lineup_sets: "sets in the lineup",
  lineup_minutes: "minutes of music in the lineup",
  track_requests: "tracks requested",
  track_votes: "votes on requested tracks",
} as const;

export type MetricName = keyof typeof METRICS;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

/** The word after a milestone's number: "1,000 going", "$10,000 raised", "8 sets (lineup full)". */
const UNITS: Partial<Record<MetricName, string>> = {
  raised_cents: "raised",
  rsvps_going: "going",
  volunteers: "volunteers",
  lineup_sets: "sets (lineup full)",
};

export function metricUnit(metric: string): string {
  return isMetricName(metric) ? (UNITS[metric] ?? METRICS[metric]) : metric;
}
