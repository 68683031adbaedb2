import type { Context } from "hono";

const MAX_ADDRESSES = 10_000;

interface Window {
  started: number;
  failures: number;
}

/**
 * Failed console logins per client address, in fixed windows: past `limit` failures in `windowMs` that address is
 * refused (even with the right key, so guessing cannot go on) until the window ends. Memory is bounded: past
 * MAX_ADDRESSES the oldest windows are dropped.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfter(address: string, now = Date.now()): number {
    const window = this.windows.get(address);
    if (!window) return 0;
    const left = window.started + this.windowMs - now;
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return window.failures >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  failed(address: string, now = Date.now()): void {
    let window = this.windows.get(address);
    if (!window || window.started + this.windowMs <= now) {
      this.windows.delete(address);
      window = { started: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures++;
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_ADDRESSES) break;
      this.windows.delete(key);
    }
  }

  succeeded(address: string): void {
    this.windows.delete(address);
  }
}

/**
 * The peer address of the connection (Node's socket). Forwarded-for headers are not trusted: anyone can send them,
 * so behind a reverse proxy all clients share the proxy's budget.
 */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}
