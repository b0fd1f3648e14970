// Answers shaped like X's: v2 "problem" bodies and per-endpoint rate-limit windows.

export interface Reply {
  status: number;
  body?: unknown;
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

/** A v2 problem answer (RFC 7807 style, as X sends for 401/403/404/429/5xx). */
export function problem(status: number, title: string, detail: string, type = "about:blank"): Reply {
  return { status, body: { title, detail, type, status } };
}

/** X's 400 for a bad parameter: `errors` names the parameter, `detail` stays generic. */
export function invalidRequest(parameter: string, value: unknown, message: string): Reply {
  return {
    status: 400,
    body: {
      errors: [{ parameters: { [parameter]: [value] }, message }],
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.twitter.com/2/problems/invalid-request",
    },
  };
}

export const unauthorized = (): Reply => problem(401, "Unauthorized", "Unauthorized");
export const notFound = (detail: string): Reply =>
  problem(404, "Not Found Error", detail, "https://api.twitter.com/2/problems/resource-not-found");
export const duplicateContent = (): Reply =>
  problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.");

const WINDOW_MS = 15 * 60 * 1000;

export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch seconds, as in x-rate-limit-reset. */
  reset: number;
}

/** Fixed 15-minute windows per endpoint, like X's per-user limits. */
export class RateLimits {
  private windows = new Map<string, RateState>();

  constructor(private limits: Record<string, number>) {}

  /**
   * Counts one call (or only reads the window when `consume` is false, e.g. for a call that failed
   * authentication); `exceeded` when the window was already used up.
   */
  take(endpoint: string, consume = true, now = Date.now()): RateState & { exceeded: boolean } {
    let window = this.windows.get(endpoint);
    if (!window || window.reset * 1000 <= now) {
      window = {
        limit: this.limits[endpoint] ?? 300,
        remaining: this.limits[endpoint] ?? 300,
        reset: Math.ceil((now + WINDOW_MS) / 1000),
      };
      this.windows.set(endpoint, window);
    }
    if (window.remaining === 0) return { ...window, exceeded: true };
    if (consume) window.remaining -= 1;
    return { ...window, exceeded: false };
  }

  clear(): void {
    this.windows.clear();
  }
}

export function rateHeaders(state: RateState): Record<string, string> {
  return {
    "x-rate-limit-limit": String(state.limit),
    "x-rate-limit-remaining": String(state.remaining),
    "x-rate-limit-reset": String(state.reset),
  };
}
