// Public shapes of the local Mastodon emulator.

export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  displayName: string;
}

export interface MastodonMedia {
  id: string;
  mimeType: string;
  bytes: Buffer;
  description: string | null;
  /** When processing ends (emulator clock, ms): until then GET /api/v1/media/:id answers 206 with url null. */
  readyAt: number;
}

export interface MastodonStatus {
  id: string;
  text: string;
  mediaIds: string[];
  visibility: string;
  createdAt: Date;
  idempotencyKey: string | null;
}

export interface MastodonRequestRecord {
  method: string;
  path: string;
  status: number;
}

export type MastodonEndpoint = "statuses" | "media" | "instance" | "verify_credentials";

/** A fault served, instead of the normal answer, to one future call of an endpoint (POST /api/v1/statuses by default). */
export type MastodonFault = { on?: MastodonEndpoint } & (
  | { status: 429; resetInSeconds?: number }
  | { status: 500 } // Rails' JSON error
  | { status: 502 | 503 } // nginx's HTML page in front of a Mastodon that is down
  | { status: 401 }
  | { hang: true }
  | { acceptThenDrop: true }
);

export interface MastodonEmulatorOptions {
  port?: number;
  log?: (line: string) => void;
  accessToken?: string;
  /** configuration.statuses.max_characters; null leaves it out of /api/v2/instance (older servers). Default 500. */
  maxCharacters?: number | null;
  /** The token's scopes (default: read write). An endpoint outside them answers 403, as Doorkeeper does. */
  scopes?: string[];
  /** How long media takes to process (ms). Default 1,200. */
  processingMs?: number;
  /** The emulator's clock (ms since the epoch); Date.now by default. */
  now?: () => number;
}

export interface MastodonEmulator {
  readonly url: string;
  readonly domain: string;
  readonly accessToken: string;
  readonly account: MastodonAccount;
  readonly media: MastodonMedia[];
  readonly statuses: MastodonStatus[];
  readonly requests: MastodonRequestRecord[];
  fail(fault: MastodonFault, times?: number): void;
  /** Forgets idempotency keys, as the instance does after an hour. */
  forgetIdempotencyKeys(): void;
  reset(): void;
  close(): Promise<void>;
}
