// Public shapes of the local X (Twitter) API emulator.

export interface XCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface XUser {
  id: string;
  name: string;
  username: string;
}

export interface XTweet {
  id: string;
  text: string;
  mediaIds: string[];
  createdAt: Date;
  deleted?: boolean;
}

export interface XMedia {
  id: string;
  mediaType: string;
  bytes: Buffer;
  altText?: string;
}

/** One call as the emulator saw it. `status` 0 means no answer was sent (hang, dropped socket). */
export interface XRequestRecord {
  method: string;
  path: string;
  status: number;
}

/** A fault served, instead of the normal answer, to one future call of POST /2/tweets. */
export type XFault =
  | { status: 429; resetInSeconds?: number }
  | { status: 500 | 502 | 503 }
  | { status: 401 }
  | { status: 403 } // forbidden, not a duplicate
  | { duplicate: true }
  | { hang: true } // never answers until close()
  | { acceptThenDrop: true }; // stores the tweet, then destroys the socket before answering

export interface XEmulatorOptions {
  port?: number;
  log?: (line: string) => void;
  /** Fixed credentials (e.g. to match a prepared .env); random ones otherwise. */
  credentials?: Partial<XCredentials>;
  /** The emulator's clock in ms (default Date.now): outages end by it, so a test plays a day of outage in seconds. */
  now?: () => number;
}

/** X down: every call answers this (a 5xx, or no answer at all) until `until` on the emulator's clock. */
export type XOutage = { status: 500 | 502 | 503 } | { hang: true };

export interface XEmulator {
  readonly apiUrl: string;
  readonly credentials: XCredentials;
  readonly user: XUser;
  readonly tweets: XTweet[];
  readonly media: XMedia[];
  readonly requests: XRequestRecord[];
  fail(fault: XFault, times?: number): void;
  /** Every call fails this way until `until` (ms on the emulator's clock); returns a function that ends it early. */
  outage(fault: XOutage, until: number): () => void;
  /** Clears tweets, media, uploads, faults, requests, nonces and rate-limit windows. */
  reset(): void;
  close(): Promise<void>;
}
