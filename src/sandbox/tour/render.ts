// Renders what the bot sent as plain text for the demo: Discord timestamps read in the campaign's zone,
// embeds as titled blocks, buttons in brackets, attachments by name and size.
import { DateTime } from "luxon";
import type { InteractionResult, MessageRef, StoredMessage } from "../discord/index.js";

/** Names for the ids in mentions (<@user>, <@&role>, <#channel>), as a Discord client shows them. */
export type NameOf = (kind: "user" | "role" | "channel", id: string) => string | undefined;

export function readableMentions(text: string, nameOf: NameOf): string {
  return text
    .replace(/<@!?(\d+)>/g, (m, id: string) => (nameOf("user", id) ? `@${nameOf("user", id)}` : m))
    .replace(/<@&(\d+)>/g, (m, id: string) => (nameOf("role", id) ? `@${nameOf("role", id)}` : m))
    .replace(/<#(\d+)>/g, (m, id: string) => (nameOf("channel", id) ? `#${nameOf("channel", id)}` : m));
}

export function readableTimestamps(text: string, timeZone: string): string {
  return text.replace(/<t:(-?\d+)(?::([tTdDfFR]))?>/g, (_, unix: string, style = "f") => {
    const at = DateTime.fromSeconds(Number(unix), { zone: timeZone });
    if (style === "R") return at.toRelative() ?? at.toISO()!;
    if (style === "t" || style === "T") return at.toFormat("HH:mm");
    if (style === "d" || style === "D") return at.toFormat("ccc d LLL yyyy");
    return at.toFormat("ccc d LLL yyyy, HH:mm ZZZZ");
  });
}

interface Renderable {
  content?: string;
  embeds: any[];
  components: any[];
  attachments: { name: string; data: Buffer }[];
}

export function renderMessage(message: Renderable, timeZone: string, nameOf: NameOf = () => undefined): string[] {
  const lines: string[] = [];
  const text = (s: string) => readableMentions(readableTimestamps(s, timeZone), nameOf);
  if (message.content) lines.push(...text(message.content).split("\n"));
  for (const embed of message.embeds) {
    if (embed.title) lines.push(`▌ ${text(embed.title)}`);
    if (embed.description)
      lines.push(
        ...text(embed.description)
          .split("\n")
          .map((l: string) => `▌ ${l}`),
      );
    for (const field of embed.fields ?? [])
      lines.push(`▌ ${text(field.name)}: ${text(field.value).split("\n").join(" · ")}`);
    if (embed.footer?.text) lines.push(`▌ ${text(embed.footer.text)}`);
    if (embed.image?.url) lines.push(`▌ [image ${String(embed.image.url).replace(/^attachment:\/\//, "")}]`);
  }
  for (const row of message.components) {
    const parts = (row.components ?? []).map((c: any) =>
      c.type === 2
        ? `[${c.label ?? c.emoji?.name ?? "button"}]`
        : `{${c.placeholder ?? "choose"} ▾ ${(c.options ?? []).length} options}`,
    );
    if (parts.length) lines.push(parts.join(" "));
  }
  for (const file of message.attachments)
    lines.push(`📎 ${file.name} (${file.data.length.toLocaleString("en-US")} bytes)`);
  return lines.length ? lines : ["(empty)"];
}

export function renderResult(result: InteractionResult, timeZone: string, nameOf?: NameOf): string[] {
  if (result.modal) {
    const inputs = (result.modal.components ?? [])
      .flatMap((row: any) => row.components ?? [row.component])
      .map((c: any) => c?.label ?? c?.custom_id);
    return [`(a form opens: "${result.modal.title}" asking for ${inputs.join(", ")})`];
  }
  return renderMessage(result, timeZone, nameOf);
}

export function renderStored(message: StoredMessage, timeZone: string, nameOf?: NameOf): string[] {
  return renderMessage(
    {
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments,
    },
    timeZone,
    nameOf,
  );
}

/** The label of the button or the placeholder of the menu with this customId, to print what a member pressed. */
export function componentLabel(
  ref: MessageRef,
  customId: string,
  lookup: (id: string) => StoredMessage | undefined,
): string | undefined {
  const message = typeof ref === "string" ? lookup(ref) : "callbackType" in ref ? ref.message : ref;
  for (const row of message?.components ?? []) {
    for (const c of row.components ?? []) if (c.custom_id === customId) return c.label ?? c.placeholder;
  }
  return undefined;
}
