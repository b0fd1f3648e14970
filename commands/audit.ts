// /audit: organizers read the audit trail (every organizer action: who, when, what, before and after), newest
// first in pages, filtered by a member and a kind; /audit export gives it as CSV. The rules live in
// src/services/audit.ts; the rows are written by the actions themselves, in their own transactions.
import { SlashCommandBuilder } from "discord.js";
import { deferOnce } from "../src/discord/defer.js";
import { ForgedInput } from "../src/errors.js";
import { pageArg } from "../src/discord/ids.js";
import { ORGANIZER_PERMISSIONS, requireOrganizer } from "../src/discord/permissions.js";
import type { BotContext, CommandModule, Response } from "../src/discord/types.js";
import { auditView } from "../src/discord/views/audit.js";
import {
  AUDIT_CSV_HEADER,
  AUDIT_KINDS,
  auditCsvRows,
  auditPage,
  checkFilter,
  isAuditKind,
  MEMBER_ID,
  type AuditFilter,
} from "../src/services/audit.js";
import { csvStream } from "../src/services/csv.js";

const AUDIT_PREFIX = "audit";
export const AUDIT_PAGE = 10;
/** Stands for "no filter" in a customId. */
const ANY = "-";

const kindChoices = Object.entries(AUDIT_KINDS).map(([value, name]) => ({ name, value }));

const data = new SlashCommandBuilder()
  .setName("audit")
  .setDescription("Organizers: the audit trail of organizer actions")
  .setDefaultMemberPermissions(ORGANIZER_PERMISSIONS)
  .addSubcommand((s) =>
    s
      .setName("list")
      .setDescription("Organizer actions, newest first")
      .addUserOption((o) => o.setName("member").setDescription("Only actions by or about this member"))
      .addStringOption((o) =>
        o
          .setName("kind")
          .setDescription("Only this kind of action")
          .addChoices(...kindChoices),
      ),
  )
  .addSubcommand((s) =>
    s
      .setName("export")
      .setDescription("The audit trail as a CSV file")
      .addUserOption((o) => o.setName("member").setDescription("Only actions by or about this member"))
      .addStringOption((o) =>
        o
          .setName("kind")
          .setDescription("Only this kind of action")
          .addChoices(...kindChoices),
      ),
  )
  .toJSON();

function pageCustomId(filter: AuditFilter, target: number): string {
  return `${AUDIT_PREFIX}:page:${target}:${filter.memberId ?? ANY}:${filter.kind ?? ANY}`;
}

async function listPage(ctx: BotContext, filter: AuditFilter, page: number) {
  const { rows, hasNext } = await auditPage(ctx.db, filter, page, AUDIT_PAGE);
  return auditView({ rows, hasNext, page, filter, customId: (target) => pageCustomId(filter, target) });
}

const audit: CommandModule = {
  data,
  help: [
    {
      usage: "/audit list [member] [kind]",
      summary: "organizer actions, newest first: who, when, what, before and after",
      organizer: true,
    },
    { usage: "/audit export [member] [kind]", summary: "the audit trail as CSV", organizer: true },
  ],
  async execute(interaction, ctx): Promise<Response> {
    requireOrganizer(interaction, ctx.config);
    const filter = checkFilter({
      memberId: interaction.options.getUser("member")?.id ?? null,
      kind: interaction.options.getString("kind"),
    });
    if (interaction.options.getSubcommand() === "export") {
      // discord.js reads the whole stream after this returns, when the router's deferral timer is already
      // cleared: acknowledge first, as /rsvp export does, so a long trail cannot miss Discord's 3 s.
      await deferOnce(interaction);
      return {
        content: "The audit trail as CSV, oldest first (times in UTC; before and after as JSON).",
        files: [{ attachment: csvStream(AUDIT_CSV_HEADER, auditCsvRows(ctx.db, filter)), name: "audit.csv" }],
      };
    }
    return listPage(ctx, filter, 0);
  },
  components: {
    // Previous / Next: organizers only, checked again here (buttons carry no rights); every part of the
    // customId is checked before the database is asked anything.
    async [AUDIT_PREFIX](interaction, id, ctx) {
      requireOrganizer(interaction, ctx.config);
      const [pageText, member = "", kind = ""] = id.args;
      if (id.action !== "page" || id.args.length !== 3) throw new ForgedInput(`audit ${id.action}`);
      const page = pageArg(pageText);
      if (member !== ANY && !MEMBER_ID.test(member)) throw new ForgedInput(`audit member ${member.slice(0, 30)}`);
      if (kind !== ANY && !isAuditKind(kind)) throw new ForgedInput(`audit kind ${kind.slice(0, 30)}`);
      const filter: AuditFilter = {
        memberId: member === ANY ? null : member,
        kind: kind === ANY ? null : kind,
      };
      return { kind: "update", message: await listPage(ctx, filter, page) };
    },
  },
};

export default audit;
