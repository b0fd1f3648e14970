// A small, strict Discord-compatible server (REST + JSON gateway) for the demo and end-to-end tests.
export { DiscordEmulator, startDiscordEmulator } from "./emulator.js";
export { ACK_DEADLINE_MS } from "./interactions.js";
export type { DiscordFault } from "./faults.js";
export type { ForgeInput, ForgeOrigin } from "./forge.js";
export type { ForeignGuild } from "./world.js";
export { P as Permission } from "./permissions.js";
export type {
  AddMemberInput,
  ApiUser,
  AttachmentInput,
  CommandRunOptions,
  EmulatorOptions,
  GuildInfo,
  InteractionResult,
  Member,
  MessageRef,
  MessageVersion,
  OptionValue,
  RecordedRequest,
  StoredAttachment,
  StoredMessage,
} from "./types.js";
