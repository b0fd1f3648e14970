// One entry point for every interaction: find the handler (by command name, or by the prefix of a
// component's customId), run it, answer once. Refusals (UserError) become ephemeral messages in plain
// words; anything else is logged with a short reference and the member gets that reference. The process
// never dies of one interaction.
import crypto from "node:crypto";
import { MessageFlags, type BaseMessageOptions, type Interaction, type RepliableInteraction } from "discord.js";
import { scrubTokens } from "../log.js";
import { createAdmission, refuseUnworked } from "./admission.js";
import { claimInteraction } from "./claims.js";
import { deferOnce, deferralOf } from "./defer.js";
import { ForgedInput, NO_LONGER_ACTIVE, UserError } from "../errors.js";
import { showMessage } from "./views/text.js";
import type { BotContext, CommandModule, ParsedCustomId, Reply, Response } from "./types.js";

/** Discord allows 3 s for the first answer; past this the router defers, so a slow handler still lands. */
export const DEFER_AFTER_MS = 1_500;
/** Handlers running at once. Past it interactions wait their turn: a burst cannot exhaust the database pool or memory. */
export const MAX_CONCURRENT = 32;
/**
 * An interaction whose turn comes after it waited this long is refused ("busy, try again"), unworked and untouched
 * by the database: it would need deferring before it even started, and working it would make everyone behind it
 * later still. Under a burst beyond what the bot can do, this keeps the answers it does give in time (FIFO with a
 * bounded wait) instead of letting every answer slide past Discord's 3 s together; a shorter hiccup (a pause of
 * the process, a slow moment of the database) is still worked through.
 */
export const SHED_AFTER_MS = DEFER_AFTER_MS;
/** An interaction that waited this long can no longer be answered in time, not even with a refusal: it is dropped. */
export const GIVE_UP_AFTER_MS = 2_500;
/** The refusal of an interaction shed under load. */
export const BUSY =
  "So many people are using the bot right now that I could not get to this in time, and nothing was changed. Please try again in a few seconds.";

export function parseCustomId(customId: string): ParsedCustomId {
  const [prefix = "", action = "", ...args] = customId.split(":");
  return { prefix, action, args };
}

/** What the router reports for metrics (src/http/metrics.ts); optional, so tests and tools can leave it out. */
export interface RouterObserver {
  /** An interaction was handled: its kind, the command or component prefix, how it ended, and seconds from arrival to the answer. */
  handled(info: { kind: InteractionKind; name: string; outcome: Outcome; seconds: number }): void;
  /** An interaction waited past GIVE_UP_AFTER_MS and was dropped unworked. */
  dropped(): void;
  /** An interaction waited past SHED_AFTER_MS and was refused as busy, unworked. */
  shed?(): void;
}
export type InteractionKind = "command" | "component" | "modal" | "autocomplete";
/** answered: the handler's answer; refused: a UserError; failed: a crash (answered with a reference); unanswered: the answer could not be sent. */
export type Outcome = "answered" | "refused" | "failed" | "unanswered";

export function createRouter(commands: CommandModule[], ctx: BotContext, observer?: RouterObserver) {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  const componentHandlers = new Map(commands.flatMap((c) => Object.entries(c.components ?? {})));
  const modalHandlers = new Map(commands.flatMap((c) => Object.entries(c.modals ?? {})));
  const inFlight = new Set<Promise<void>>();

  const admission = createAdmission(ctx.config, ctx.log);
  const limiter = createLimiter(MAX_CONCURRENT);
  let dropped = 0;
  let shed = 0;
  let lastDropReport = 0;
  let closed = false;
  let refusedWhileClosing = 0;

  /** `claimFailed`: the database could not record the claim, so nothing may run (it could run twice); the member is told. */
  async function route(interaction: Interaction, arrived: number, claimFailed?: unknown): Promise<void> {
    if (interaction.isAutocomplete()) {
      const command = claimFailed ? undefined : byName.get(interaction.commandName);
      let outcome: Outcome = "answered";
      const choices = await command?.autocomplete?.(interaction, ctx).catch((err: unknown) => {
        ctx.log.warn({ err, command: interaction.commandName }, "autocomplete failed");
        outcome = "failed";
        return [];
      });
      await interaction
        .respond((choices ?? []).slice(0, 25))
        .catch((err: unknown) => {
          outcome = "unanswered";
          throw err;
        })
        .finally(() =>
          observer?.handled({
            kind: "autocomplete",
            name: command ? interaction.commandName : "unknown",
            outcome,
            seconds: (Date.now() - arrived) / 1000,
          }),
        );
      return;
    }
    if (!interaction.isRepliable()) return;
    await answer(interaction, arrived, () => (claimFailed ? Promise.reject(claimFailed) : run(interaction)));
  }

  function run(interaction: RepliableInteraction): Promise<Response> {
    if (interaction.isChatInputCommand()) {
      const command = byName.get(interaction.commandName);
      if (!command)
        return Promise.resolve({ content: "This command is no longer available. Type / to see the current ones." });
      return command.execute(interaction, ctx);
    }
    if (interaction.isButton() || interaction.isStringSelectMenu()) {
      const id = parseCustomId(interaction.customId);
      const handler = componentHandlers.get(id.prefix);
      if (!handler) return Promise.resolve({ content: NO_LONGER_ACTIVE });
      return handler(interaction, id, ctx);
    }
    if (interaction.isModalSubmit()) {
      const id = parseCustomId(interaction.customId);
      const handler = modalHandlers.get(id.prefix);
      if (!handler)
        return Promise.resolve({ content: "This form is no longer active. Run the command again to get a fresh one." });
      return handler(interaction, id, ctx);
    }
    return Promise.resolve({ content: NO_LONGER_ACTIVE });
  }

  async function answer(
    interaction: RepliableInteraction,
    arrived: number,
    work: () => Promise<Response>,
  ): Promise<void> {
    // Defer only if the handler is slow; most answer within a few milliseconds and need no second request.
    const timer = setTimeout(
      () => void deferOnce(interaction).catch(() => undefined),
      Math.max(0, DEFER_AFTER_MS - (Date.now() - arrived)),
    );
    let response: Response;
    let outcome: Outcome = "answered";
    try {
      response = await withConflictRetry(work);
    } catch (err) {
      outcome = err instanceof UserError ? "refused" : "failed";
      response = failure(err, interaction);
    } finally {
      clearTimeout(timer);
    }
    // Deferred by the timer or by the handler itself: the answer must wait for that request to land.
    await deferralOf(interaction)?.catch((err: unknown) => ctx.log.warn({ err }, "could not defer"));
    try {
      await send(interaction, response);
    } catch (err) {
      outcome = "unanswered";
      const ref = reference();
      ctx.log.error({ err, ref, ...logFields(interaction) }, "could not answer an interaction");
    }
    observer?.handled({ ...kindOf(interaction), outcome, seconds: (Date.now() - arrived) / 1000 });
  }

  /** The kind and a bounded name for metrics: a command's name or a known component prefix, never a raw customId. */
  function kindOf(interaction: RepliableInteraction): { kind: InteractionKind; name: string } {
    if (interaction.isChatInputCommand())
      return { kind: "command", name: byName.has(interaction.commandName) ? interaction.commandName : "unknown" };
    if (interaction.isModalSubmit()) {
      const prefix = parseCustomId(interaction.customId).prefix;
      return { kind: "modal", name: modalHandlers.has(prefix) ? prefix : "unknown" };
    }
    const prefix = interaction.isMessageComponent() ? parseCustomId(interaction.customId).prefix : "";
    return { kind: "component", name: componentHandlers.has(prefix) ? prefix : "unknown" };
  }

  function failure(err: unknown, interaction: RepliableInteraction): Response {
    if (err instanceof ForgedInput)
      ctx.log.debug({ ...logFields(interaction), forged: err.detail }, "forged or stale input");
    if (err instanceof UserError) return { content: showMessage(err.marked), ephemeral: true };
    const ref = reference();
    ctx.log.error({ err, ref, ...logFields(interaction) }, "interaction failed");
    return {
      content: `Something went wrong on our side (ref ${ref}). Please try again; if it keeps happening, tell an organizer this reference.`,
      ephemeral: true,
    };
  }

  async function send(interaction: RepliableInteraction, response: Response): Promise<void> {
    if (response.kind === "modal") {
      if (!("showModal" in interaction) || interaction.deferred || interaction.replied)
        throw new Error("a modal must be the first answer");
      await interaction.showModal(response.modal);
      return;
    }
    if (response.kind === "update") {
      if (!interaction.isMessageComponent()) throw new Error("only a component can update its message");
      const message = withSafeMentions(response.message);
      if (interaction.deferred) await interaction.editReply(message);
      else await interaction.update(message);
      return;
    }
    const { ephemeral = true, kind: _kind, ...rest } = response;
    const options = withSafeMentions(rest);
    // A component that was deferred with deferUpdate has no reply of its own yet: answer with a follow-up.
    if (interaction.isMessageComponent() && interaction.deferred) {
      await interaction.followUp({ ...options, flags: ephemeral ? MessageFlags.Ephemeral : undefined });
    } else if (interaction.deferred && !interaction.replied && !ephemeral) {
      // Deferred for the member alone (deferOnce: the timer or a slow handler), but the answer is for the channel
      // (a lineup shown, a shift offered): Discord cannot make that reply public, so the answer is a public
      // follow-up and the placeholder goes. Otherwise a slow moment would quietly make public answers private.
      await interaction.followUp(options);
      await interaction.deleteReply().catch(() => undefined);
    } else if (interaction.deferred || interaction.replied) {
      await interaction.editReply(options);
    } else {
      await interaction.reply({ ...options, flags: ephemeral ? MessageFlags.Ephemeral : undefined });
    }
  }

  /** Overload is worth knowing about, but not as one log line per interaction shed or dropped. */
  function reportOverload(): void {
    if (Date.now() - lastDropReport < 10_000) return;
    lastDropReport = Date.now();
    ctx.log.warn(
      { shed, dropped, concurrent: MAX_CONCURRENT },
      "overloaded: refused (shed) or dropped interactions that waited too long for their turn",
    );
  }

  /** Turned away after waiting: a refusal when one can still arrive in time, nothing when it cannot. */
  function turnAway(interaction: Interaction, waited: number): Promise<void> {
    if (waited > GIVE_UP_AFTER_MS) {
      dropped++;
      observer?.dropped();
      reportOverload();
      return Promise.resolve();
    }
    shed++;
    observer?.shed?.();
    reportOverload();
    // Not claimed first: a refusal changes nothing, and in a gateway handover, if another process answers
    // this interaction too, Discord keeps whichever answer came first.
    return refuseUnworked(interaction, BUSY, ctx.log);
  }

  return {
    /** Handles one interaction; never rejects. */
    handle(interaction: Interaction): Promise<void> {
      // Shutting down: an interaction not started is left unanswered (Discord shows the member it failed, and a
      // retry reaches the restarted bot) rather than started and cut off halfway.
      if (closed) {
        if (refusedWhileClosing++ === 0) ctx.log.info("shutting down: new interactions are left unanswered");
        return Promise.resolve();
      }
      const arrived = Date.now();
      // Outsiders and members past their fair share are answered here, cheaply, and never queue.
      const entry = admission.admit(interaction, arrived);
      if (!entry.admitted) return entry.answered;
      const queued = async () => {
        const waited = await limiter.run(async () => {
          const waited = Date.now() - arrived;
          if (waited > SHED_AFTER_MS) return waited; // turned away below, after giving the slot back
          // Several processes may receive this interaction (a gateway handover): only the first to claim it answers.
          const claimed = await claimInteraction(ctx.db, interaction.id).catch((err: unknown) => ({ err }));
          if (claimed === false) return 0;
          await route(interaction, arrived, claimed === true ? undefined : claimed.err);
          return 0;
        });
        if (waited) await turnAway(interaction, waited);
      };
      // A member's second interaction waits for their first (one in flight each).
      const done = (entry.ready ? entry.ready.then(queued) : queued())
        .catch((err: unknown) => ctx.log.error({ err, ref: reference() }, "interaction routing failed"))
        .finally(() => {
          entry.release();
          inFlight.delete(done);
        });
      inFlight.add(done);
      return done;
    },
    /** Stops taking new interactions (the first step of a shutdown). */
    close(): void {
      closed = true;
    },
    /** Waits for the interactions being answered, at most `ms`, so a shutdown does not cut them off; returns how many were left. */
    async drain(ms: number): Promise<number> {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
      return inFlight.size;
    },
  };
}

/** Replies never ping anyone: text typed by members travels in them. */
function withSafeMentions(options: Omit<Reply, "ephemeral">): BaseMessageOptions {
  return { ...options, allowedMentions: { parse: [] } };
}

/** At most `limit` tasks at once, the others in arrival order. */
function createLimiter(limit: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next)
          next(); // the slot passes straight to the next task
        else running--;
      }
    },
  };
}

/**
 * Runs the handler again when the database aborted its transaction for a write conflict or a deadlock
 * (PostgreSQL under contention): the transaction rolled back, so trying again is safe and the member gets
 * an answer instead of an error.
 */
async function withConflictRetry<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isWriteConflict(err)) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
}

export function isWriteConflict(err: unknown): boolean {
  const e = err as { code?: string; meta?: { code?: string }; message?: string } | undefined;
  return (
    e?.code === "P2034" ||
    e?.meta?.code === "40P01" ||
    e?.meta?.code === "40001" ||
    /deadlock detected|could not serialize/i.test(e?.message ?? "")
  );
}

function reference(): string {
  return crypto.randomBytes(3).toString("hex");
}

function logFields(interaction: RepliableInteraction): Record<string, string> {
  return {
    user: interaction.user.id,
    what: interaction.isChatInputCommand()
      ? `/${interaction.commandName}`
      : interaction.isMessageComponent() || interaction.isModalSubmit()
        ? scrubTokens(interaction.customId)
        : String(interaction.type),
  };
}
