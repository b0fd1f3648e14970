/**
 * A refusal meant for the member: its message is shown as is, ephemerally, in plain words that say what
 * to do instead. Services throw it (it knows nothing of Discord); the router turns it into a reply.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** A component whose customId no longer leads anywhere (an old button, a deleted event). */
export const NO_LONGER_ACTIVE = "This button is no longer active. Run the command again to get a fresh one.";
