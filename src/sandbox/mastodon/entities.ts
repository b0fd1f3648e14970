// Mastodon's JSON entities (Status, MediaAttachment, Account, Instance) and its status text rules.
import type { MastodonAccount, MastodonMedia, MastodonStatus } from "./types.js";

export const URL_WEIGHT = 23;
export const MAX_DESCRIPTION = 1500;
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;
const HASHTAG = /(^|[^\p{L}\p{N}_&/])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/gu;
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Mastodon's StatusLengthValidator: grapheme clusters, every URL counted as 23, a mention by its username only. */
export function statusLength(text: string): number {
  const countable = text.replace(URL_PATTERN, "x".repeat(URL_WEIGHT)).replace(/@(\w+)@[\w.-]+/g, "@$1");
  return [...segmenter.segment(countable)].length;
}

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The HTML Mastodon stores as `content`: paragraphs, links and hashtags as anchors. */
export function renderContent(text: string, domain: string): string {
  const paragraphs = text.split(/\n{2,}/).map((p) => {
    let html = escape(p).replace(/\n/g, "<br />");
    html = html.replace(URL_PATTERN, (url) => {
      const m = /^(https?:\/\/)(.*)$/.exec(url)!;
      return `<a href="${url}" target="_blank" rel="nofollow noopener"><span class="invisible">${m[1]}</span><span class="">${m[2]}</span><span class="invisible"></span></a>`;
    });
    html = html.replace(
      HASHTAG,
      (_w, pre: string, tag: string) =>
        `${pre}<a href="https://${domain}/tags/${tag.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
    );
    return `<p>${html}</p>`;
  });
  return paragraphs.join("");
}

export function accountJson(account: MastodonAccount, domain: string, statuses: number) {
  return {
    id: account.id,
    username: account.username,
    acct: account.acct,
    display_name: account.displayName,
    locked: false,
    bot: true,
    discoverable: true,
    group: false,
    created_at: "2026-01-01T00:00:00.000Z",
    note: "",
    url: `https://${domain}/@${account.username}`,
    uri: `https://${domain}/users/${account.username}`,
    avatar: `https://${domain}/avatars/original/missing.png`,
    avatar_static: `https://${domain}/avatars/original/missing.png`,
    header: `https://${domain}/headers/original/missing.png`,
    header_static: `https://${domain}/headers/original/missing.png`,
    followers_count: 0,
    following_count: 0,
    statuses_count: statuses,
    last_status_at: null,
    emojis: [],
    fields: [],
  };
}

export function mediaJson(media: MastodonMedia, domain: string, now: number) {
  const ready = now >= media.readyAt;
  return {
    id: media.id,
    type: "image",
    url: ready ? `https://${domain}/system/media_attachments/files/${media.id}/original/card.png` : null,
    preview_url: `https://${domain}/system/media_attachments/files/${media.id}/small/card.png`,
    remote_url: null,
    text_url: null,
    meta: ready ? { original: { width: 1200, height: 675, size: "1200x675", aspect: 1.7777 } } : {},
    description: media.description,
    blurhash: "UFBWY:8_0Jof4nt7-;j@00of~qWBxuWB9Fof",
  };
}

export function statusJson(
  status: MastodonStatus,
  account: MastodonAccount,
  domain: string,
  media: MastodonMedia[],
  statusesCount: number,
  now: number,
) {
  const tags = [...status.text.matchAll(HASHTAG)].map((m) => ({
    name: m[2]!.toLowerCase(),
    url: `https://${domain}/tags/${m[2]!.toLowerCase()}`,
  }));
  return {
    id: status.id,
    created_at: status.createdAt.toISOString(),
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    sensitive: false,
    spoiler_text: "",
    visibility: status.visibility,
    language: "en",
    uri: `https://${domain}/users/${account.username}/statuses/${status.id}`,
    url: `https://${domain}/@${account.username}/${status.id}`,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    edited_at: null,
    content: renderContent(status.text, domain),
    reblog: null,
    application: { name: "keep-dancing", website: null },
    account: accountJson(account, domain, statusesCount),
    media_attachments: status.mediaIds.map((id) =>
      mediaJson(
        media.find((m) => m.id === id)!,
        domain,
        now,
      ),
    ),
    mentions: [],
    tags,
    emojis: [],
    card: null,
    poll: null,
  };
}

export function instanceJson(domain: string, maxCharacters: number | null) {
  return {
    domain,
    title: "Keep Dancing sandbox",
    version: "4.4.0",
    source_url: "https://github.com/mastodon/mastodon",
    description: "A local Mastodon-compatible server for keep-dancing's demo and tests.",
    usage: { users: { active_month: 1 } },
    thumbnail: { url: `https://${domain}/packs/media/images/preview.png` },
    languages: ["en"],
    configuration: {
      urls: { streaming: `wss://${domain}` },
      accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
      statuses: {
        ...(maxCharacters === null ? {} : { max_characters: maxCharacters }),
        max_media_attachments: 4,
        characters_reserved_per_url: URL_WEIGHT,
      },
      media_attachments: {
        supported_mime_types: ["image/jpeg", "image/png", "image/gif", "image/webp"],
        description_limit: MAX_DESCRIPTION,
        image_size_limit: 16_777_216,
        image_matrix_limit: 33_177_600,
        video_size_limit: 103_809_024,
        video_frame_rate_limit: 120,
        video_matrix_limit: 8_294_400,
      },
      polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2_629_746 },
      translation: { enabled: false },
    },
    registrations: { enabled: false, approval_required: false, message: null },
    contact: { email: "admin@example.invalid", account: null },
    rules: [],
  };
}
