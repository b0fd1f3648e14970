// The Discord emulator against the real discord.js client (not the project's bot): one emulator and
// one logged-in client for the whole file.
import { setTimeout as sleep } from "node:timers/promises";
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  StringSelectMenuBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type TextChannel,
} from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDiscordEmulator, type DiscordEmulator, type Member } from "../src/sandbox/discord/index.js";

const commands = [
  { name: "ping", description: "Answers at once, with a button" },
  { name: "report", description: "Defers, then edits in a file" },
  { name: "signup", description: "Shows a modal" },
  {
    name: "track",
    description: "Request a track",
    options: [
      { type: 3, name: "title", description: "Track title", required: true, autocomplete: true },
      { type: 4, name: "votes", description: "Votes", min_value: 1 },
    ],
  },
  {
    name: "dm",
    description: "DMs a member",
    options: [{ type: 6, name: "member", description: "Who", required: true }],
  },
  { name: "slow", description: "Answers too late" },
  { name: "twice", description: "Answers twice" },
  { name: "pick", description: "Sends a select menu" },
  { name: "later", description: "Defers ephemerally, follows up, then edits" },
  { name: "party", description: "Schedules an event", default_member_permissions: "32" },
  { name: "card", description: "Replies with a file" },
  {
    name: "shift",
    description: "Volunteer shifts",
    options: [
      {
        type: 1,
        name: "claim",
        description: "Claim a shift",
        options: [
          { type: 3, name: "slot", description: "Slot", required: true, choices: [{ name: "Door", value: "door" }] },
        ],
      },
    ],
  },
];

let discord: DiscordEmulator;
let client: Client;
let alice: Member;
let bob: Member;
/** Errors the bot's handlers caught, by a short name, so tests can look at Discord's answers. */
const caught: Record<string, DiscordAPIError> = {};
const keep = (name: string) => (err: unknown) => {
  caught[name] = err as DiscordAPIError;
};

async function handle(i: Interaction): Promise<void> {
  if (i.isAutocomplete()) {
    const typed = String(i.options.getFocused());
    if (typed === "many") {
      const tooMany = Array.from({ length: 26 }, (_, n) => ({ name: `Track ${n}`, value: `t${n}` }));
      await i.respond(tooMany).catch(keep("autocomplete"));
      return i.respond([]);
    }
    return i.respond([{ name: `${typed} (extended mix)`, value: `${typed}-ext` }]);
  }
  if (i.isStringSelectMenu()) return void (await i.update({ content: `picked ${i.values.join("+")}`, components: [] }));
  if (i.isButton())
    return void (await i.update({ content: `clicked ${i.customId} by ${i.user.username}`, components: [] }));
  if (i.isModalSubmit()) {
    return void (await i.reply({
      content: `signed up: ${i.fields.getTextInputValue("name")}`,
      flags: MessageFlags.Ephemeral,
    }));
  }
  if (!i.isChatInputCommand()) return;
  switch (i.commandName) {
    case "ping": {
      const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId("pong:1").setLabel("Pong").setStyle(ButtonStyle.Primary),
      );
      return void (await i.reply({ content: "pong", components: [row] }));
    }
    case "report":
      await i.deferReply();
      return void (await i.editReply({
        content: "here it is",
        files: [new AttachmentBuilder(Buffer.from("a,b\n1,2\n"), { name: "report.csv" })],
      }));
    case "signup": {
      const input = new TextInputBuilder().setCustomId("name").setLabel("Your name").setStyle(TextInputStyle.Short);
      const modal = new ModalBuilder()
        .setCustomId("signup")
        .setTitle("Sign up")
        .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
      await i.showModal(modal);
      return;
    }
    case "track":
      return void (await i.reply(
        `requested ${i.options.getString("title", true)} x${i.options.getInteger("votes") ?? 1}`,
      ));
    case "dm": {
      const user = i.options.getUser("member", true);
      const sent = await user.send("your shift starts soon").then(
        () => "sent",
        (err: DiscordAPIError) => `failed ${err.code}`,
      );
      return void (await i.reply({ content: sent, flags: MessageFlags.Ephemeral }));
    }
    case "slow":
      await sleep(3200);
      return void (await i.reply("too late").catch(keep("slow")));
    case "twice":
      await i.reply("one");
      // discord.js refuses a second reply itself, so post the raw callback as a buggy bot would.
      await i.client.rest
        .post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { content: "two" } }, auth: false })
        .catch(keep("twice"));
      return;
    case "pick": {
      const menu = new StringSelectMenuBuilder()
        .setCustomId("role")
        .setMaxValues(2)
        .addOptions(
          { label: "Door", value: "door" },
          { label: "Stage", value: "stage" },
          { label: "Bar", value: "bar" },
        );
      return void (await i.reply({
        content: "pick",
        components: [new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(menu)],
      }));
    }
    case "later":
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.followUp({ content: "working on it", flags: MessageFlags.Ephemeral });
      return void (await i.editReply("done"));
    case "party": {
      const event = await i.guild!.scheduledEvents.create({
        name: "A dance party for the dancing man",
        scheduledStartTime: new Date(Date.now() + 86_400_000),
        scheduledEndTime: new Date(Date.now() + 90_000_000),
        privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
        entityType: GuildScheduledEventEntityType.External,
        entityMetadata: { location: "The old ballroom" },
      });
      return void (await i.reply(`event ${event.id}`));
    }
    case "card":
      return void (await i.reply({
        files: [new AttachmentBuilder(Buffer.from([0x89, 0x50, 0x4e, 0x47]), { name: "card.png" })],
      }));
    case "shift":
      return void (await i.reply(`claimed ${i.options.getSubcommand()} ${i.options.getString("slot", true)}`));
  }
}

beforeAll(async () => {
  discord = await startDiscordEmulator();
  alice = discord.addMember({ username: "alice", organizer: true });
  bob = discord.addMember({ username: "bob", dmsOpen: false });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
  client.on(Events.InteractionCreate, (i) => void handle(i).catch(keep("handler")));
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(discord.token);
  await discord.waitForReady();
  await ready;
  await client.rest.put(Routes.applicationGuildCommands(discord.applicationId, discord.guild.id), { body: commands });
});

afterAll(async () => {
  await client?.destroy();
  await discord?.close();
});

describe("Discord emulator with discord.js", () => {
  it("logs the client in and sends it the guild", () => {
    expect(discord.isReady()).toBe(true);
    const guild = client.guilds.cache.get(discord.guild.id);
    expect(guild?.channels.cache.has(discord.guild.channels.general)).toBe(true);
    expect(guild?.members.me?.id).toBe(discord.botUser.id);
  });

  it("registers commands by bulk overwrite, keeps ids, and refuses invalid definitions", async () => {
    const before = discord.commands("guild");
    expect(before.map((c) => c.name)).toEqual(commands.map((c) => c.name));
    await client.rest.put(Routes.applicationGuildCommands(discord.applicationId, discord.guild.id), { body: commands });
    expect(discord.commands("guild").map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(discord.bulkOverwriteCount).toBe(2);
    const bad = [
      { name: "Ping", description: "x" },
      {
        name: "opts",
        description: "x",
        options: [
          { type: 3, name: "a", description: "a" },
          { type: 3, name: "b", description: "b", required: true },
        ],
      },
    ];
    const err = await client.rest
      .put(Routes.applicationGuildCommands(discord.applicationId, discord.guild.id), { body: bad })
      .catch((e: unknown) => e as DiscordAPIError);
    expect(err).toMatchObject({ code: 50035, status: 400 });
    expect(JSON.stringify((err as DiscordAPIError).rawError)).toContain("APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID");
    expect(discord.bulkOverwriteCount).toBe(2);
  });

  it("answers a slash command with reply, then a button click with update", async () => {
    const result = await discord.runCommand(alice, "ping");
    expect(result).toMatchObject({ callbackType: 4, deferred: false, ephemeral: false, content: "pong" });
    expect(discord.messages(discord.guild.channels.general).map((m) => m.content)).toContain("pong");
    const clicked = await discord.clickButton(bob, result, "pong:1");
    expect(clicked).toMatchObject({ callbackType: 7, content: "clicked pong:1 by bob", components: [] });
    expect(result.message?.history[0]?.content).toBe("pong");
    await expect(discord.clickButton(bob, result, "pong:1")).rejects.toThrow(/has no component "pong:1"/);
  });

  it("resolves a deferred reply when it is edited, with the file's bytes", async () => {
    const result = await discord.runCommand(alice, "report");
    expect(result).toMatchObject({ callbackType: 5, deferred: true, content: "here it is" });
    expect(result.attachments).toHaveLength(1);
    expect(result.attachments[0]?.name).toBe("report.csv");
    expect(result.attachments[0]?.data.toString()).toBe("a,b\n1,2\n");
  });

  it("times each interaction: sent, acknowledged by the first callback, settled by the final answer", async () => {
    const direct = await discord.runCommand(alice, "ping");
    expect(direct.timing.sentAt).toBeLessThanOrEqual(direct.timing.ackedAt);
    expect(direct.timing.ackedAt).toBeLessThanOrEqual(direct.timing.settledAt);
    const deferred = await discord.runCommand(alice, "report");
    // Deferred: the acknowledgement (type 5) comes first, the edit that settles it later.
    expect(deferred.timing.ackedAt).toBeLessThan(deferred.timing.settledAt);
  });

  it("shows a modal and takes its submission", async () => {
    const shown = await discord.runCommand(bob, "signup");
    expect(shown.callbackType).toBe(9);
    expect(shown.modal).toMatchObject({ custom_id: "signup", title: "Sign up" });
    await expect(discord.submitModal(bob, "signup", { nope: "x" })).rejects.toThrow(/no input "nope"/);
    const submitted = await discord.submitModal(bob, "signup", { name: "Bob B." });
    expect(submitted).toMatchObject({ callbackType: 4, ephemeral: true, content: "signed up: Bob B." });
    await expect(discord.submitModal(bob, "signup", { name: "again" })).rejects.toThrow(/no modal "signup" is open/);
  });

  it("autocompletes, and refuses 26 choices with 50035", async () => {
    expect(await discord.autocomplete(alice, "track", {}, "title")).toEqual([
      { name: " (extended mix)", value: "-ext" },
    ]);
    expect(await discord.autocomplete(alice, "track", { title: "one more" }, "title")).toEqual([
      { name: "one more (extended mix)", value: "one more-ext" },
    ]);
    expect(await discord.autocomplete(alice, "track", { title: "many" }, "title")).toEqual([]);
    expect(caught.autocomplete).toMatchObject({ code: 50035, status: 400 });
  });

  it("builds options from the registered definition and rejects undeclared ones", async () => {
    expect((await discord.runCommand(alice, "track", { title: "Vogue", votes: 3 })).content).toBe("requested Vogue x3");
    await expect(discord.runCommand(alice, "track", { title: "x", bpm: 120 })).rejects.toThrow(/no option "bpm"/);
    await expect(discord.runCommand(alice, "track", { votes: 2 })).rejects.toThrow(/required option "title"/);
    await expect(discord.runCommand(alice, "track", { title: "x", votes: 0 })).rejects.toThrow(/min_value/);
    await expect(discord.runCommand(alice, "shift", { slot: "door" })).rejects.toThrow(/subcommand is required/);
    expect((await discord.runCommand(alice, "shift", { slot: "door" }, { subcommand: "claim" })).content).toBe(
      "claimed claim door",
    );
  });

  it("delivers DMs to open members and answers 50007 for closed ones", async () => {
    expect((await discord.runCommand(alice, "dm", { member: alice.id })).content).toBe("sent");
    expect(discord.dms(alice.id).map((m) => m.content)).toEqual(["your shift starts soon"]);
    expect((await discord.runCommand(alice, "dm", { member: bob.id })).content).toBe("failed 50007");
    expect(discord.dms(bob.id)).toEqual([]);
  });

  it("validates messages like Discord", async () => {
    const channel = (await client.channels.fetch(discord.guild.channels.general)) as TextChannel;
    await expect(channel.send("x".repeat(2001))).rejects.toMatchObject({ code: 50035, status: 400 });
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      Array.from({ length: 6 }, (_, n) =>
        new ButtonBuilder().setCustomId(`b${n}`).setLabel(`${n}`).setStyle(ButtonStyle.Secondary),
      ),
    );
    await expect(channel.send({ content: "six buttons", components: [row] })).rejects.toMatchObject({ code: 50035 });
    const post = (body: unknown) =>
      client.rest.post(Routes.channelMessages(channel.id), { body }).catch((e: unknown) => e as DiscordAPIError);
    const menu = { type: 3, custom_id: "m", options: [{ label: "a", value: "a" }] };
    const sharedRow = await post({
      components: [{ type: 1, components: [menu, { type: 2, style: 1, label: "b", custom_id: "b" }] }],
    });
    expect(sharedRow).toMatchObject({ code: 50035 });
    expect(JSON.stringify((sharedRow as DiscordAPIError).rawError)).toContain("COMPONENT_LAYOUT_WIDTH_EXCEEDED");
    expect(await post({ embeds: Array.from({ length: 11 }, () => ({ title: "t" })) })).toMatchObject({ code: 50035 });
    expect(await post({ embeds: [{ title: "t".repeat(257) }] })).toMatchObject({ code: 50035 });
    expect(
      await post({ embeds: [{ description: "d".repeat(4000) }, { description: "d".repeat(2001) }] }),
    ).toMatchObject({ code: 50035 });
    expect(await post({})).toMatchObject({ code: 50006 });
    const sent = await channel.send({ content: "x".repeat(2000), allowedMentions: { parse: [] } });
    expect(discord.message(sent.id)).toMatchObject({ content: "x".repeat(2000), allowed_mentions: { parse: [] } });
  });

  it("refuses a callback after 3 s with 10062 and a second callback with 40060", async () => {
    await expect(discord.runCommand(alice, "slow", {}, { timeoutMs: 6000 })).rejects.toThrow(/10062/);
    await discord.waitFor(() => caught.slow);
    expect(caught.slow).toMatchObject({ code: 10062, status: 404 });
    expect((await discord.runCommand(alice, "twice")).content).toBe("one");
    await discord.waitFor(() => caught.twice);
    expect(caught.twice).toMatchObject({ code: 40060 });
  });

  it("takes select menu values and refuses options the menu lacks", async () => {
    const result = await discord.runCommand(alice, "pick");
    await expect(discord.selectMenu(alice, result, "role", ["door", "vip"])).rejects.toThrow(/no option "vip"/);
    await expect(discord.selectMenu(alice, result, "role", ["door", "stage", "bar"])).rejects.toThrow(
      /takes 1..2 values/,
    );
    expect((await discord.selectMenu(alice, result, "role", ["door", "stage"])).content).toBe("picked door+stage");
  });

  it("keeps an ephemeral deferred reply's follow-ups and resolves on the edit", async () => {
    const result = await discord.runCommand(bob, "later");
    expect(result).toMatchObject({ callbackType: 5, deferred: true, ephemeral: true, content: "done" });
    expect(result.followUps.map((m) => m.content)).toEqual(["working on it"]);
    expect(discord.messages(discord.guild.channels.general).some((m) => m.content === "done")).toBe(false);
  });

  it("stores scheduled events and refuses invalid ones", async () => {
    const result = await discord.runCommand(alice, "party");
    const [event] = discord.scheduledEvents();
    expect(result.content).toBe(`event ${event.id}`);
    expect(event).toMatchObject({
      name: "A dance party for the dancing man",
      entity_metadata: { location: "The old ballroom" },
      status: 1,
    });
    const guild = client.guilds.cache.get(discord.guild.id)!;
    const past = guild.scheduledEvents.create({
      name: "yesterday",
      scheduledStartTime: new Date(Date.now() - 86_400_000),
      privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
      entityType: GuildScheduledEventEntityType.External,
      entityMetadata: { location: "x" },
    });
    await expect(past).rejects.toMatchObject({ code: 50035 });
  });

  it("offers commands only to members with their default permissions, in channels they see", async () => {
    await expect(discord.runCommand(bob, "party")).rejects.toThrow(/needs permissions 32/);
    await expect(discord.runCommand(bob, "ping", {}, { channelId: discord.guild.channels.review })).rejects.toThrow(
      /cannot see channel/,
    );
    const overridden = await discord.runCommand(bob, "party", {}, { ignoreDefaultPermissions: true });
    expect(overridden.content).toMatch(/^event \d+$/);
  });

  it("keeps the bytes of a file sent with the initial reply", async () => {
    const result = await discord.runCommand(alice, "card");
    expect(result.attachments.map((a) => [a.name, [...a.data]])).toEqual([["card.png", [0x89, 0x50, 0x4e, 0x47]]]);
    const fetched = (await client.rest.get(
      Routes.channelMessage(discord.guild.channels.general, result.message!.id),
    )) as { attachments: { url: string }[] };
    const url = fetched.attachments[0]!.url;
    expect([...Buffer.from(await (await fetch(url)).arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it("answers 10007 for a member who left", async () => {
    const carol = discord.addMember({ username: "carol" });
    expect(await client.rest.get(Routes.guildMember(discord.guild.id, carol.id))).toMatchObject({
      user: { username: "carol" },
    });
    discord.removeMember(carol.id);
    await expect(client.rest.get(Routes.guildMember(discord.guild.id, carol.id))).rejects.toMatchObject({
      code: 10007,
      status: 404,
    });
    await expect(discord.runCommand(carol, "ping")).rejects.toThrow(/not a member/);
  });

  it("requires the bot token and records unknown routes", async () => {
    const res = await fetch(`${discord.apiUrl}/v10/users/@me`);
    expect(res.status).toBe(401);
    const missing = await fetch(`${discord.apiUrl}/v10/nowhere`, {
      headers: { authorization: `Bot ${discord.token}` },
    });
    expect(missing.status).toBe(404);
    expect(discord.unknownRoutes).toContain("GET /api/v10/nowhere");
    expect(caught.handler).toBeUndefined();
  });

  // Last: it replaces the shared client.
  it("survives a bot that goes away and lets a new one log in", async () => {
    const identified = discord.identifyCount;
    await client.destroy();
    await discord.waitFor(() => !discord.isReady());
    await expect(discord.runCommand(alice, "ping")).rejects.toThrow(/no bot is connected/);
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiUrl } });
    client.on(Events.InteractionCreate, (i) => void handle(i).catch(keep("handler")));
    await client.login(discord.token);
    await discord.waitFor(() => discord.identifyCount > identified);
    expect((await discord.runCommand(alice, "ping")).content).toBe("pong");
  });
});
