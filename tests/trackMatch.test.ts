import { describe, expect, it } from "vitest";
import { cleanLine, findBlockedWord, normalizeArtist, normalizeTitle, trackKey } from "../src/services/trackMatch.js";

describe("track matching", () => {
  const same: [string, string, string, string][] = [
    ["Get Lucky", "Daft Punk", "get lucky", "daft punk"],
    ["Get Lucky (feat. Pharrell Williams)", "Daft Punk", "Get Lucky", "Daft Punk"],
    ["Get Lucky", "Daft Punk ft. Pharrell Williams & Nile Rodgers", "GET LUCKY!", "daft punk"],
    ["Get Lucky [Radio Edit]", "Daft Punk featuring Pharrell", "Get Lucky - Radio Edit", "Daft Punk"],
    ["Déjà Vu", "Beyoncé", "Deja vu", "Beyonce"],
    ["Don't Stop 'Til You Get Enough", "Michael Jackson", "Dont Stop Til You Get Enough", "Michael Jackson"],
    ["September", "Earth, Wind & Fire", "September", "Earth Wind and Fire"],
    ["Heroes (2017 Remaster)", "David Bowie", "Heroes", "David Bowie"],
    ["Blinding Lights (Official Video)", "The Weeknd", "blinding lights", "Weeknd"],
    ["One More Time (Extended Mix) (Remastered 2021)", "Daft Punk", "One More Time", "Daft Punk"],
    ["Ｆｕｌｌ Ｗｉｄｔｈ", "ＡＢＣ", "Full Width", "ABC"],
    ["Lose Control", "Missy Elliott x Ciara", "Lose Control", "Ciara & Missy Elliott"],
    ["Titanium (feat. Sia) [Extended]", "David Guetta", "Titanium", "David Guetta feat. Sia"],
  ];
  for (const [t1, a1, t2, a2] of same) {
    it(`"${t1}" by ${a1} is "${t2}" by ${a2}`, () => {
      expect(trackKey(t1, a1)).toBe(trackKey(t2, a2));
    });
  }

  const different: [string, string, string, string][] = [
    ["Get Lucky", "Daft Punk", "Get Lucky (Purple Disco Machine Remix)", "Daft Punk"],
    ["Get Lucky", "Daft Punk", "Get Lucky (Remix)", "Daft Punk"],
    ["Hallelujah", "Leonard Cohen", "Hallelujah (Live)", "Leonard Cohen"],
    ["Hallelujah", "Leonard Cohen", "Hallelujah", "Jeff Buckley"],
    ["Strobe", "deadmau5", "Strobe (Acoustic)", "deadmau5"],
  ];
  for (const [t1, a1, t2, a2] of different) {
    it(`"${t1}" by ${a1} is not "${t2}" by ${a2}`, () => {
      expect(trackKey(t1, a1)).not.toBe(trackKey(t2, a2));
    });
  }

  it("keeps the words that matter", () => {
    expect(normalizeTitle("  I Feel   Love!!! ")).toBe("i feel love");
    expect(normalizeArtist("The Chemical Brothers")).toBe("brothers chemical");
    // "ft" inside a word is not a credit.
    expect(normalizeTitle("Left to Right")).toBe("left to right");
    expect(normalizeArtist("Swift")).toBe("swift");
  });

  it("finds blocked words on whole words, across case and accents", () => {
    expect(findBlockedWord(["Bad Song", "Someone"], ["bad"])).toBe("bad");
    expect(findBlockedWord(["BÁD song"], ["bad"])).toBe("bad");
    expect(findBlockedWord(["Badminton"], ["bad"])).toBeNull();
    expect(findBlockedWord(["a very bad word here"], ["bad word"])).toBe("bad word");
    expect(findBlockedWord(["anything"], [])).toBeNull();
  });

  it("cleans control characters and line breaks out of one-line text", () => {
    expect(cleanLine(" a\nb\u0000c\u202Ed ")).toBe("a b c d");
  });
});
