// Builds the Tour the chapters use: every action goes through the emulator, as a member would, and is
// printed as a short conversation.
import type { BotProcess } from "../botProcess.js";
import type { DiscordEmulator, Member, OptionValue } from "../discord/index.js";
import type { BlueskyEmulator } from "../bluesky/index.js";
import type { MastodonEmulator } from "../mastodon/index.js";
import type { XEmulator } from "../x/index.js";
import { componentLabel, renderResult, renderStored, type NameOf } from "./render.js";
import type { Cast, Tour } from "./types.js";

const DIM = process.stdout.isTTY ? "\x1b[2m" : "";
const BOLD = process.stdout.isTTY ? "\x1b[1m" : "";
const RESET = process.stdout.isTTY ? "\x1b[0m" : "";

export function createTour(deps: {
  discord: DiscordEmulator;
  x: XEmulator;
  bluesky: BlueskyEmulator;
  mastodon: MastodonEmulator;
  bot: BotProcess;
  timezone: string;
  outDir: string;
  print?: (line: string) => void;
}): Tour {
  const { discord, timezone } = deps;
  const print = deps.print ?? ((line: string) => console.log(line));
  const name = (m: Member) => m.displayName;
  const block = (lines: string[]) => lines.forEach((l) => print(`    │ ${l}`));
  const channelNames = new Map(Object.entries(discord.guild.channels).map(([key, id]) => [id, key]));
  const roleNames = new Map(Object.entries(discord.guild.roles).map(([key, id]) => [id, key]));
  const nameOf: NameOf = (kind, id) =>
    kind === "user" ? discord.member(id)?.displayName : kind === "role" ? roleNames.get(id) : channelNames.get(id);

  let crowdSize = 0;
  const cast: Cast = {
    ava: discord.addMember({ username: "ava", displayName: "Ava", organizer: true }),
    ben: discord.addMember({ username: "ben", displayName: "Ben" }),
    chloe: discord.addMember({ username: "chloe", displayName: "Chloe" }),
    dev: discord.addMember({ username: "dev", displayName: "Dev" }),
    eli: discord.addMember({ username: "eli", displayName: "Eli" }),
    fatima: discord.addMember({ username: "fatima", displayName: "Fatima", roles: ["firstAid"] }),
    gus: discord.addMember({ username: "gus", displayName: "Gus", dmsOpen: false }),
    lumen: discord.addMember({ username: "djlumen", displayName: "DJ Lumen" }),
    crowd(n: number) {
      return Array.from({ length: n }, () => {
        crowdSize++;
        const id = String(crowdSize).padStart(3, "0");
        return discord.addMember({ username: `crowd${id}`, displayName: `Crowd ${id}` });
      });
    },
  };

  const typed = (options: Record<string, OptionValue>) =>
    Object.entries(options)
      .map(
        ([k, v]) =>
          `${k}:${typeof v === "string" && /\s/.test(v) ? `"${v}"` : typeof v === "object" ? (v as { name: string }).name : String(v)}`,
      )
      .join(" ");

  const answer = (who: Member, result: Awaited<ReturnType<Tour["command"]>>) => {
    print(
      `  ${DIM}bot → ${result.ephemeral ? `${name(who)} (only they see it)` : "the channel"}${result.deferred ? ", after thinking" : ""}${RESET}`,
    );
    block(renderResult(result, timezone, nameOf));
  };

  return {
    ...deps,
    cast,
    chapter(title) {
      print("");
      print(`${BOLD}━━ ${title} ━━${RESET}`);
    },
    narrate(text) {
      print(`  ${DIM}${text}${RESET}`);
    },
    async command(member, command, options = {}, opts = {}) {
      const sub = [opts.group, opts.subcommand].filter(Boolean).join(" ");
      if (!opts.quiet)
        print(
          `  ${BOLD}${name(member)}${RESET} types  /${command}${sub ? ` ${sub}` : ""}${Object.keys(options).length ? ` ${typed(options)}` : ""}`,
        );
      const result = await discord.runCommand(member, command, options, opts);
      if (!opts.quiet) answer(member, result);
      return result;
    },
    async click(member, message, customId, opts = {}) {
      const label = opts.label ?? componentLabel(message, customId, (id) => discord.message(id)) ?? customId;
      if (!opts.quiet) print(`  ${BOLD}${name(member)}${RESET} presses  [${label}]`);
      const result = await discord.clickButton(member, message, customId);
      if (!opts.quiet) answer(member, result);
      return result;
    },
    async select(member, message, customId, values, opts = {}) {
      if (!opts.quiet) print(`  ${BOLD}${name(member)}${RESET} picks  ${values.join(", ")}`);
      const result = await discord.selectMenu(member, message, customId, values);
      if (!opts.quiet) answer(member, result);
      return result;
    },
    async submitModal(member, customId, fields, opts = {}) {
      if (!opts.quiet) print(`  ${BOLD}${name(member)}${RESET} fills in the form  ${typed(fields)}`);
      const result = await discord.submitModal(member, customId, fields);
      if (!opts.quiet) answer(member, result);
      return result;
    },
    async autocomplete(member, command, options, focused, opts = {}) {
      const choices = await discord.autocomplete(member, command, options, focused, opts);
      print(
        `  ${DIM}${name(member)} starts typing ${focused}: Discord suggests ${choices.map((c) => `"${c.name}"`).join(", ") || "nothing"}${RESET}`,
      );
      return choices;
    },
    showChannel(channelId, opts = {}) {
      const messages = discord.messages(channelId).slice(-(opts.last ?? 1));
      print(`  ${DIM}${opts.title ?? "in the channel"}:${RESET}`);
      for (const m of messages) block(renderStored(m, timezone, nameOf));
      return messages;
    },
    showDms(member, opts = {}) {
      const messages = discord.dms(member.id).slice(-(opts.last ?? 1));
      print(`  ${DIM}${name(member)}'s DMs:${RESET}`);
      for (const m of messages) block(renderStored(m, timezone, nameOf));
      return messages;
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return discord.waitFor(predicate, timeoutMs);
    },
  };
}
