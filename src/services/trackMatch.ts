// When are two track requests the same track? Members type titles loosely, so the queue compares a
// normalised key instead of the text: case, accents, punctuation, "feat." credits and edition suffixes
// that name the same recording are ignored. Versions a DJ would play differently are kept apart.

/**
 * Parenthesised or dashed suffixes that name the same recording, so "Get Lucky (Radio Edit)" is "Get Lucky":
 * radio edits, original and extended mixes (the same recording at another length), remasters, single and
 * album versions, explicit/clean, and the video/audio/lyrics labels copied from streaming sites.
 * NOT equivalent, kept apart on purpose: any "Remix" (a remixer's track is another track; a bare "(Remix)"
 * too, since it is not the original), "Live", "Acoustic", "Instrumental", "VIP", "Dub", "Cover", "Club Mix".
 */
const EQUIVALENT_SUFFIX =
  /^(radio edit|radio version|edit|original mix|original version|extended mix|extended version|extended|single version|single edit|album version|explicit|clean|clean version|dirty|official (music )?video|official audio|official lyric video|lyric video|lyrics?|audio|visualizer|hq|hd|(\d{4} )?remaster(ed)?( \d{4})?( version)?|remastered version)$/;

/** Words that introduce a guest credit; what follows them (to the bracket's end or the text's end) goes. */
const FEATURING = /\b(feat|ft|featuring|with guest)\b\.?/;

/** Lowercase, accents removed (NFKD then combining marks dropped), apostrophes joined, "&" read as "and". */
export function foldText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/['’‘`´]/g, "")
    .replace(/&/g, " and ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Letters and digits only, single spaces: what is left to compare once the meaningful cuts are made. */
function bare(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Removes guest credits: "(feat. X)", "[ft X]", " feat. X" to the end, "featuring X". */
function dropFeaturing(text: string): string {
  // A credit inside brackets: drop the bracket whole.
  let out = text.replace(/[([{][^)\]}]*?\b(feat|ft|featuring)\b\.?[^)\]}]*[)\]}]/g, " ");
  // A credit after the name: drop from the keyword to the end, or to the next bracket (which may hold a suffix).
  const m = FEATURING.exec(out);
  if (m) {
    const rest = out.slice(m.index);
    const cut = rest.search(/[([{]| - /);
    out = out.slice(0, m.index) + (cut > 0 ? rest.slice(cut) : "");
  }
  return out;
}

/** Removes equivalent suffixes: "(Radio Edit)", "[Remastered 2011]", " - Single Version"; repeatedly, from the end. */
function dropEquivalentSuffixes(text: string): string {
  let out = text.trim();
  for (;;) {
    const bracket = out.match(/^(.*\S)\s*[([{]([^()[\]{}]*)[)\]}]$/);
    const dash = out.match(/^(.*\S)\s+[-–—]\s+([^-–—]+)$/);
    const hit = bracket ?? dash;
    if (!hit || !EQUIVALENT_SUFFIX.test(bare(hit[2] ?? ""))) return out;
    out = (hit[1] ?? "").trim();
  }
}

export function normalizeTitle(title: string): string {
  const folded = foldText(title);
  return bare(dropEquivalentSuffixes(dropFeaturing(folded)));
}

/**
 * Artists as a sorted bag of words, guests dropped: "Ciara & Missy Elliott" is "Missy Elliott x Ciara", and
 * "Earth, Wind & Fire" is "Earth Wind and Fire". Joining words ("and", "x", "vs") and "the" are dropped.
 * Two different artists made of the same words in another order would merge; rare enough to accept.
 */
export function normalizeArtist(artist: string): string {
  const words = bare(dropFeaturing(foldText(artist))).split(" ");
  return [...new Set(words.filter((w) => w && !ARTIST_JOINERS.has(w)))].sort().join(" ");
}

const ARTIST_JOINERS = new Set(["the", "and", "x", "vs", "versus"]);

/** The key two requests share when they are the same track. */
export function trackKey(title: string, artist: string): string {
  return `${normalizeArtist(artist)}|${normalizeTitle(title)}`;
}

/** The first blocked word or phrase the text contains, matched on whole words of the folded text; or null. */
export function findBlockedWord(texts: string[], blocked: readonly string[]): string | null {
  const haystack = ` ${texts.map((t) => bare(foldText(t))).join(" ")} `;
  for (const word of blocked) {
    const needle = bare(foldText(word));
    if (needle && haystack.includes(` ${needle} `)) return word;
  }
  return null;
}

/** Member text made storable: control characters, bidi overrides and runs of whitespace collapsed, then trimmed. */
export function cleanLine(text: string): string {
  return text
    .replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}
