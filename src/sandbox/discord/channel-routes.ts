// Channels, messages and DMs as the bot sees them over REST.
import { HttpError, invalidFormBody, noContent, ok, route, type Route } from "./http.js";
import { createMessage, editMessage } from "./messages.js";
import { P } from "./permissions.js";
import type { StoredMessage } from "./types.js";
import type { Channel, World } from "./world.js";

/** How long Discord remembers a nonce ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

export function channelRoutes(world: World): Route[] {
  const channelOf = (id: string): Channel => {
    const channel = world.channels.get(id);
    if (!channel) throw new HttpError(404, 10003, "Unknown Channel");
    return channel;
  };
  // The bot must see a guild channel; for DMs it must share the guild with the recipient.
  const requireBot = (channel: Channel, needed: bigint): void => {
    if (!channel.guildId) return;
    const perms = world.permissionsIn(world.botMember(), channel.id);
    if ((perms & P.ViewChannel) === 0n) throw new HttpError(403, 50001, "Missing Access");
    if ((perms & needed) !== needed) throw new HttpError(403, 50013, "Missing Permissions");
  };
  const visibleMessage = (channelId: string, messageId: string): StoredMessage => {
    const m = world.messages.get(messageId);
    if (!m || m.channel_id !== channelId || m.deleted || m.ephemeral)
      throw new HttpError(404, 10008, "Unknown Message");
    return m;
  };

  return [
    route("GET", "/channels/:channel", ({ params }) => {
      const channel = channelOf(params.channel!);
      requireBot(channel, 0n);
      return ok(world.apiChannel(channel));
    }),

    route("GET", "/channels/:channel/messages", ({ params, query }) => {
      const channel = channelOf(params.channel!);
      requireBot(channel, P.ReadMessageHistory);
      const limit = Number(query.get("limit") ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw invalidFormBody({
          limit: { _errors: [{ code: "NUMBER_TYPE_MAX", message: "Must be between 1 and 100." }] },
        });
      const list = [...world.messages.values()].filter(
        (m) => m.channel_id === channel.id && !m.deleted && !m.ephemeral,
      );
      return ok(
        list
          .reverse()
          .slice(0, limit)
          .map((m) => world.apiMessage(m)),
      );
    }),

    route("POST", "/channels/:channel/messages", ({ params, body, files }) => {
      const channel = channelOf(params.channel!);
      if (channel.type === 1) {
        const recipient = world.member(channel.recipientId ?? "");
        if (!recipient || !recipient.dmsOpen) throw new HttpError(403, 50007, "Cannot send messages to this user");
      }
      let needed = P.SendMessages;
      if (files.length) needed |= P.AttachFiles;
      if (body?.embeds?.length) needed |= P.EmbedLinks;
      requireBot(channel, needed);
      // As Discord does: with enforce_nonce, a nonce seen in this channel in the last few minutes returns the
      // earlier message instead of creating a second one (how a retried send stays exactly once).
      if (body?.enforce_nonce && body.nonce !== undefined) {
        const earlier = world.nonces.get(`${channel.id}:${body.nonce}`);
        if (earlier && world.now() - earlier.at < NONCE_WINDOW_MS) return ok(world.apiMessage(earlier.message));
      }
      const message = createMessage(world, body ?? {}, files, { channelId: channel.id });
      if (body?.nonce !== undefined) world.nonces.set(`${channel.id}:${body.nonce}`, { message, at: world.now() });
      return ok(world.apiMessage(message));
    }),

    route("GET", "/channels/:channel/messages/:message", ({ params }) => {
      const channel = channelOf(params.channel!);
      requireBot(channel, P.ReadMessageHistory);
      return ok(world.apiMessage(visibleMessage(channel.id, params.message!)));
    }),

    route("PATCH", "/channels/:channel/messages/:message", ({ params, body, files }) => {
      const channel = channelOf(params.channel!);
      requireBot(channel, 0n);
      const m = visibleMessage(channel.id, params.message!);
      if (m.author.id !== world.botUser.id)
        throw new HttpError(403, 50005, "Cannot edit a message authored by another user");
      return ok(world.apiMessage(editMessage(world, m, body ?? {}, files)));
    }),

    route("DELETE", "/channels/:channel/messages/:message", ({ params }) => {
      const channel = channelOf(params.channel!);
      const m = visibleMessage(channel.id, params.message!);
      requireBot(channel, m.author.id === world.botUser.id ? 0n : P.ManageMessages);
      m.deleted = true;
      return noContent();
    }),

    route("POST", "/users/@me/channels", ({ body }) => {
      const id = body?.recipient_id;
      if (typeof id !== "string")
        throw invalidFormBody({
          recipient_id: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] },
        });
      if (!world.member(id) || id === world.botUser.id) throw new HttpError(400, 50033, "Invalid Recipient(s)");
      return ok(world.apiChannel(world.dmChannelFor(id)));
    }),
  ];
}
