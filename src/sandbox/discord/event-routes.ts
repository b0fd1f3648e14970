// Guild scheduled events: stored so tests can inspect what the bot announced, checked like Discord.
import { HttpError, noContent, ok, route, type Route } from "./http.js";
import { P } from "./permissions.js";
import { snowflake } from "./snowflake.js";
import { FormErrors } from "./validate.js";
import type { World } from "./world.js";

// 1 scheduled, 2 active, 3 completed, 4 canceled
const TRANSITIONS: Record<number, number[]> = { 1: [1, 2, 4], 2: [2, 3], 3: [], 4: [] };
const FIELDS = [
  "name",
  "description",
  "channel_id",
  "entity_metadata",
  "scheduled_start_time",
  "scheduled_end_time",
  "privacy_level",
  "entity_type",
  "status",
  "image",
  "recurrence_rule",
] as const;

function validateEvent(ev: any, creating: boolean): void {
  const e = new FormErrors();
  e.maxLength(["name"], ev.name, 100, 1, true);
  e.maxLength(["description"], ev.description, 1000);
  if (ev.privacy_level !== 2) e.add(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of {2}.");
  if (![1, 2, 3].includes(ev.entity_type))
    e.add(["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.");
  const start = Date.parse(ev.scheduled_start_time);
  if (Number.isNaN(start))
    e.add(["scheduled_start_time"], "DATE_TYPE_PARSE", "Could not parse timestamp. Should be ISO8601.");
  else if (creating && start < Date.now())
    e.add(["scheduled_start_time"], "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past.");
  if (ev.entity_type === 3) {
    e.maxLength(["entity_metadata", "location"], ev.entity_metadata?.location, 100, 1, true);
    const end = Date.parse(ev.scheduled_end_time);
    if (Number.isNaN(end))
      e.add(["scheduled_end_time"], "BASE_TYPE_REQUIRED", "External events need a scheduled_end_time.");
    else if (end <= start)
      e.add(["scheduled_end_time"], "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "The end must be after the start.");
    if (ev.channel_id)
      e.add(["channel_id"], "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED", "External events have no channel.");
  } else if ([1, 2].includes(ev.entity_type) && !ev.channel_id) {
    e.add(["channel_id"], "BASE_TYPE_REQUIRED", "Stage and voice events need a channel_id.");
  }
  e.throwIfAny();
}

// Bots without the GuildScheduledEvents intent do not receive these events (as on Discord).
const EVENTS_INTENT = 1 << 16;
export type Dispatch = (event: string, data: unknown, intent?: number, guildId?: string) => void;

export function eventRoutes(world: World, dispatch: Dispatch): Route[] {
  const checkGuild = (guild: string) => {
    if (guild !== world.guild.id) throw new HttpError(404, 10004, "Unknown Guild");
  };
  const canManage = () => {
    const perms = world.guildPermissions(world.botMember());
    if ((perms & (P.ManageEvents | P.CreateEvents)) === 0n) throw new HttpError(403, 50013, "Missing Permissions");
  };
  const find = (id: string) => {
    const ev = world.scheduledEvents.get(id);
    if (!ev) throw new HttpError(404, 10070, "Unknown Guild Scheduled Event");
    return ev;
  };

  return [
    route("GET", "/guilds/:guild/scheduled-events", ({ params }) => {
      checkGuild(params.guild!);
      return ok([...world.scheduledEvents.values()]);
    }),
    route("GET", "/guilds/:guild/scheduled-events/:id", ({ params }) => {
      checkGuild(params.guild!);
      return ok(find(params.id!));
    }),
    route("POST", "/guilds/:guild/scheduled-events", ({ params, body }) => {
      checkGuild(params.guild!);
      canManage();
      const input = body ?? {};
      validateEvent(input, true);
      const ev: Record<string, unknown> = {
        id: snowflake(),
        guild_id: world.guild.id,
        channel_id: input.channel_id ?? null,
        creator_id: world.botUser.id,
        creator: world.botUser,
        name: input.name,
        description: input.description ?? null,
        scheduled_start_time: input.scheduled_start_time,
        scheduled_end_time: input.scheduled_end_time ?? null,
        privacy_level: input.privacy_level,
        status: 1,
        entity_type: input.entity_type,
        entity_id: null,
        entity_metadata: input.entity_metadata ?? null,
        user_count: 0,
        image: null,
        recurrence_rule: input.recurrence_rule ?? null,
      };
      world.scheduledEvents.set(ev.id as string, ev);
      dispatch("GUILD_SCHEDULED_EVENT_CREATE", ev, EVENTS_INTENT);
      return ok(ev);
    }),
    route("PATCH", "/guilds/:guild/scheduled-events/:id", ({ params, body }) => {
      checkGuild(params.guild!);
      canManage();
      const ev = find(params.id!);
      const next = { ...ev };
      for (const key of FIELDS) if (body && key in body) next[key] = body[key];
      if (!(TRANSITIONS[ev.status] ?? []).includes(next.status)) {
        throw new HttpError(
          400,
          180000,
          `Cannot change the status of this event from ${ev.status} to ${String(next.status)}`,
        );
      }
      validateEvent(next, false);
      Object.assign(ev, next);
      dispatch("GUILD_SCHEDULED_EVENT_UPDATE", ev, EVENTS_INTENT);
      return ok(ev);
    }),
    route("DELETE", "/guilds/:guild/scheduled-events/:id", ({ params }) => {
      checkGuild(params.guild!);
      canManage();
      const ev = find(params.id!);
      world.scheduledEvents.delete(params.id!);
      dispatch("GUILD_SCHEDULED_EVENT_DELETE", ev, EVENTS_INTENT);
      return noContent();
    }),
  ];
}
