// Public shapes of the local Bluesky (atproto PDS) emulator.

export interface BlueskyAccount {
  did: string;
  handle: string;
  /** An app password, as the bot is given one (xxxx-xxxx-xxxx-xxxx). */
  password: string;
}

export interface BlueskyBlob {
  cid: string;
  mimeType: string;
  bytes: Buffer;
}

export interface BlueskyRecord {
  uri: string;
  cid: string;
  collection: string;
  rkey: string;
  value: Record<string, unknown>;
  createdAt: Date;
}

export interface BlueskyRequestRecord {
  method: string;
  /** The XRPC method, such as com.atproto.repo.createRecord. */
  nsid: string;
  status: number;
}

export type BlueskyEndpoint = "createSession" | "uploadBlob" | "createRecord";

/** A fault served, instead of the normal answer, to one future call of an endpoint (createRecord by default). */
export type BlueskyFault = { on?: BlueskyEndpoint } & (
  | { status: 429; resetInSeconds?: number }
  | { status: 500 | 502 | 503 }
  | { status: 401 } // the session is no longer accepted (password revoked): refresh fails too
  | { hang: true } // never answers until close()
  | { acceptThenDrop: true } // does the work, then destroys the socket before answering
);

export interface BlueskyEmulatorOptions {
  port?: number;
  log?: (line: string) => void;
  account?: Partial<BlueskyAccount>;
  /** The emulator's clock (ms since the epoch); Date.now by default. */
  now?: () => number;
}

export interface BlueskyEmulator {
  readonly serviceUrl: string;
  readonly account: BlueskyAccount;
  readonly blobs: BlueskyBlob[];
  /** Records in the account's repo, in the order written. */
  readonly records: BlueskyRecord[];
  readonly requests: BlueskyRequestRecord[];
  fail(fault: BlueskyFault, times?: number): void;
  /** Ends every session, as changing the app password does. */
  revokeSessions(): void;
  reset(): void;
  close(): Promise<void>;
}
