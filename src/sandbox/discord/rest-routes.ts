// REST routes other than channels: gateway discovery, the bot's user and application, application
// commands, guild members and roles, interaction callbacks and webhooks, attachment downloads.
import { HttpError, noContent, ok, route, type Reply, type Route } from "./http.js";
import type { Interactions } from "./interactions.js";
import { snowflake } from "./snowflake.js";
import { validateCommandList } from "./validate-commands.js";
import type { World } from "./world.js";

export function coreRoutes(
  world: World,
  interactions: Interactions,
  gatewayUrl: () => string,
  dispatch: (event: string, data: unknown, intent?: number, guildId?: string) => void,
): Route[] {
  const checkApp = (app: string) => {
    if (app !== world.applicationId) throw new HttpError(403, 50001, "Missing Access");
  };
  const checkGuild = (guild: string) => {
    if (guild !== world.guild.id) throw new HttpError(404, 10004, "Unknown Guild");
  };
  const listCommands = (scope: "guild" | "global") => [...world.commands[scope].values()];

  // A bulk overwrite replaces the whole list; a command keeps its id when its name and type stay.
  const overwrite = (scope: "guild" | "global", list: unknown) => {
    validateCommandList(list);
    world.bulkOverwriteCount++;
    const previous = world.commands[scope];
    const next = new Map<string, any>();
    for (const def of list as any[]) {
      const type = def.type ?? 1;
      const key = `${type}:${def.name}`;
      const old = previous.get(key);
      next.set(key, {
        id: old?.id ?? snowflake(),
        application_id: world.applicationId,
        ...(scope === "guild" ? { guild_id: world.guild.id } : {}),
        version: snowflake(),
        type,
        name: def.name,
        name_localizations: def.name_localizations ?? null,
        description: def.description ?? "",
        description_localizations: def.description_localizations ?? null,
        options: def.options ?? [],
        default_member_permissions: def.default_member_permissions ?? null,
        dm_permission: def.dm_permission ?? true,
        contexts: def.contexts ?? null,
        integration_types: def.integration_types ?? [0],
        nsfw: def.nsfw ?? false,
      });
    }
    world.commands[scope] = next;
    return ok([...next.values()]);
  };

  return [
    route("GET", "/gateway/bot", () =>
      ok({
        url: gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
      }),
    ),
    route("GET", "/gateway", () => ok({ url: gatewayUrl() })),
    route("GET", "/users/@me", () => ok({ ...world.botUser, verified: true, mfa_enabled: false, flags: 0 })),
    // The guilds the bot is in, as partial guilds, for a client that does not hold the gateway.
    route("GET", "/users/@me/guilds", () => {
      const { id, name } = world.guild;
      const foreign = [...world.foreignGuilds.values()]
        .filter((g) => g.joined)
        .map((g) => ({
          id: g.id,
          name: g.name,
          icon: null,
          banner: null,
          owner: false,
          permissions: "0",
          features: [],
        }));
      return ok([
        {
          id,
          name,
          icon: null,
          banner: null,
          owner: false,
          permissions: world.guildPermissions(world.botMember()).toString(),
          features: [],
        },
        ...foreign,
      ]);
    }),
    // The bot leaves a server: Discord answers 204 and sends GUILD_DELETE.
    route("DELETE", "/users/@me/guilds/:guild", ({ params }) => {
      const foreign = world.foreignGuilds.get(params.guild!);
      if (params.guild === world.guild.id)
        throw new HttpError(400, 50001, "The emulated campaign server cannot be left");
      if (!foreign?.joined) throw new HttpError(404, 10004, "Unknown Guild");
      foreign.joined = false;
      world.leftGuilds.push(foreign.id);
      dispatch("GUILD_DELETE", { id: foreign.id }, undefined, foreign.id);
      return noContent();
    }),
    route("GET", "/users/:user", ({ params }) => {
      const member = world.member(params.user!);
      if (!member) throw new HttpError(404, 10013, "Unknown User");
      return ok(member.user);
    }),
    route("GET", "/applications/@me", () =>
      ok({
        id: world.applicationId,
        name: "Keep Dancing",
        icon: null,
        description: "Community campaigns, locally emulated",
        bot_public: false,
        bot_require_code_grant: false,
        bot: world.botUser,
        owner: {
          id: world.ownerId,
          username: "owner",
          global_name: null,
          discriminator: "0",
          avatar: null,
          public_flags: 0,
        },
        team: null,
        verify_key: "0".repeat(64),
        flags: 0,
        approximate_guild_count: 1,
      }),
    ),

    route("GET", "/applications/:app/commands", ({ params }) => {
      checkApp(params.app!);
      return ok(listCommands("global"));
    }),
    route("PUT", "/applications/:app/commands", ({ params, body }) => {
      checkApp(params.app!);
      return overwrite("global", body);
    }),
    route("GET", "/applications/:app/guilds/:guild/commands", ({ params }) => {
      checkApp(params.app!);
      checkGuild(params.guild!);
      return ok(listCommands("guild"));
    }),
    route("PUT", "/applications/:app/guilds/:guild/commands", ({ params, body }) => {
      checkApp(params.app!);
      checkGuild(params.guild!);
      return overwrite("guild", body);
    }),

    route("GET", "/guilds/:guild", ({ params }) => {
      checkGuild(params.guild!);
      const { channels: _c, members: _m, ...guild } = world.apiGuild();
      return ok(guild);
    }),
    route("GET", "/guilds/:guild/channels", ({ params }) => {
      checkGuild(params.guild!);
      return ok([...world.channels.values()].filter((c) => c.guildId).map((c) => world.apiChannel(c)));
    }),
    route("GET", "/guilds/:guild/roles", ({ params }) => {
      checkGuild(params.guild!);
      return ok([...world.roles.values()].map((r) => world.apiRole(r)));
    }),
    route("GET", "/guilds/:guild/members/:user", ({ params }) => {
      checkGuild(params.guild!);
      const member = world.member(params.user === "@me" ? world.botUser.id : params.user!);
      if (!member) throw new HttpError(404, 10007, "Unknown Member");
      return ok(world.apiMember(member));
    }),

    // Interaction callbacks and webhooks authenticate by their token, not the bot token.
    route(
      "POST",
      "/interactions/:id/:token/callback",
      ({ params, body, files, query }) =>
        interactions.callback(params.id!, params.token!, body, files, query.get("with_response") === "true"),
      { auth: false },
    ),
    route(
      "POST",
      "/webhooks/:app/:token",
      ({ params, body, files }) => interactions.followUp(params.app!, params.token!, body, files),
      { auth: false },
    ),
    route(
      "GET",
      "/webhooks/:app/:token/messages/:message",
      ({ params }) => interactions.webhookGet(params.app!, params.token!, params.message!),
      { auth: false },
    ),
    route(
      "PATCH",
      "/webhooks/:app/:token/messages/:message",
      ({ params, body, files }) => interactions.webhookEdit(params.app!, params.token!, params.message!, body, files),
      { auth: false },
    ),
    route(
      "DELETE",
      "/webhooks/:app/:token/messages/:message",
      ({ params }) => interactions.webhookDelete(params.app!, params.token!, params.message!),
      {
        auth: false,
      },
    ),
  ];
}

/** Attachment downloads live outside /api, like Discord's CDN; no token needed. */
export function attachmentReply(world: World, id: string): Reply {
  const att = world.attachments.get(id);
  if (!att) return { status: 404, body: { message: "404: Not Found", code: 0 } };
  return { status: 200, raw: { data: att.data, contentType: att.content_type } };
}
