// Creating and editing stored messages from a (validated) REST body plus uploaded files.
// Stored messages are edited in place, so any reference a test holds shows the latest state.
import { HttpError, invalidFormBody, type UploadedFile } from "./http.js";
import { snowflake } from "./snowflake.js";
import type { StoredAttachment, StoredMessage } from "./types.js";
import { FLAG_EPHEMERAL, FLAG_LOADING, validateMessage } from "./validate.js";
import type { World } from "./world.js";

export interface NewMessageMeta {
  channelId: string;
  ephemeral?: boolean;
  interactionId?: string;
  type?: number;
  /** A deferred reply: an empty "thinking…" message until its first edit. */
  loading?: boolean;
}

/**
 * Maps `attachments` entries to uploads: `{ id: "0" }` means the part `files[0]`, an id of an
 * attachment the message already has means "keep it". Uploads no entry mentions are attached as well.
 */
function resolveAttachments(
  world: World,
  body: any,
  files: UploadedFile[],
  existing: StoredAttachment[] | null,
): StoredAttachment[] {
  const byField = new Map(files.map((f) => [f.field, f]));
  const used = new Set<UploadedFile>();
  const result: StoredAttachment[] = [];
  const entries: any[] | undefined = Array.isArray(body.attachments) ? body.attachments : undefined;
  if (entries) {
    entries.forEach((entry, i) => {
      const id = String(entry?.id);
      const kept = existing?.find((a) => a.id === id);
      if (kept) return void result.push(kept);
      const file = byField.get(`files[${id}]`);
      if (!file)
        throw invalidFormBody({
          attachments: { [i]: { _errors: [{ code: "ATTACHMENT_NOT_FOUND", message: `Unknown attachment ${id}` }] } },
        });
      used.add(file);
      result.push(world.storeAttachment(entry.filename ?? file.name, file.data, file.contentType, entry.description));
    });
  } else if (existing) {
    result.push(...existing);
  }
  for (const file of files) {
    if (!used.has(file)) result.push(world.storeAttachment(file.name, file.data, file.contentType));
  }
  if (result.length > 10)
    throw invalidFormBody({
      attachments: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 10 or fewer in length." }] },
    });
  return result;
}

export function createMessage(world: World, body: any, files: UploadedFile[], meta: NewMessageMeta): StoredMessage {
  if (!meta.loading) {
    validateMessage(body, {
      allowEphemeral: meta.interactionId !== undefined,
      creating: true,
      fileCount: files.length,
    });
  }
  const channel = world.channels.get(meta.channelId);
  const flags = (body?.flags ?? 0) | (meta.ephemeral ? FLAG_EPHEMERAL : 0) | (meta.loading ? FLAG_LOADING : 0);
  const message: StoredMessage = {
    id: snowflake(world.now()),
    channel_id: meta.channelId,
    ...(channel?.guildId ? { guild_id: channel.guildId } : {}),
    author: world.botUser,
    content: body?.content ?? "",
    embeds: body?.embeds ?? [],
    components: body?.components ?? [],
    attachments: meta.loading ? [] : resolveAttachments(world, body ?? {}, files, null),
    flags,
    ...(body?.allowed_mentions !== undefined ? { allowed_mentions: body.allowed_mentions } : {}),
    type: meta.type ?? 0,
    timestamp: new Date(world.now()).toISOString(),
    edited_timestamp: null,
    ephemeral: (flags & FLAG_EPHEMERAL) !== 0,
    deleted: false,
    ...(meta.interactionId ? { interaction_id: meta.interactionId } : {}),
    history: [],
  };
  world.messages.set(message.id, message);
  return message;
}

/** Applies an edit (PATCH) to a stored message, keeping the previous version in `history`. */
export function editMessage(world: World, message: StoredMessage, body: any, files: UploadedFile[]): StoredMessage {
  validateMessage(body, { allowEphemeral: true, creating: false, fileCount: files.length });
  const next = {
    content: body.content !== undefined ? (body.content ?? "") : message.content,
    embeds: body.embeds !== undefined ? (body.embeds ?? []) : message.embeds,
    components: body.components !== undefined ? (body.components ?? []) : message.components,
    attachments: resolveAttachments(world, body, files, message.attachments),
  };
  if (!next.content && !next.embeds.length && !next.components.length && !next.attachments.length) {
    throw new HttpError(400, 50006, "Cannot send an empty message");
  }
  const wasLoading = (message.flags & FLAG_LOADING) !== 0;
  const now = new Date().toISOString();
  // The first edit of a deferred reply replaces the "thinking…" placeholder: not an edit a user sees.
  if (!wasLoading) {
    message.history.push({
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments,
      flags: message.flags,
      edited_at: now,
    });
    message.edited_timestamp = now;
  }
  Object.assign(message, next);
  if (body.allowed_mentions !== undefined) message.allowed_mentions = body.allowed_mentions;
  // Ephemeral is fixed at creation; the loading flag ends with the first edit.
  const ephemeral = message.flags & FLAG_EPHEMERAL;
  const flags = body.flags !== undefined ? (body.flags ?? 0) : message.flags;
  message.flags = (flags & ~FLAG_EPHEMERAL & ~FLAG_LOADING) | ephemeral;
  return message;
}
