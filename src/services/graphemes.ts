// User-perceived characters, as Bluesky and Mastodon count post length.
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}
