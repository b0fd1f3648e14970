// Exit codes of the bot's processes, for supervisors (and for src/sharded.ts, which must not respawn in vain).

/** An error the process cannot recover from in itself (uncaught exception, failed start): a restart may help. */
export const EXIT_FAILURE = 1;
/** Discord closed the gateway for good (invalid token, disallowed intents): the configuration must change first. */
export const EXIT_GATEWAY_REFUSED = 78;
