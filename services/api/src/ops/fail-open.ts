import type { Logger } from "pino";
import { withTimeout } from "./stats.ts";

/**
 * Calls to a helper service (Redis) that must never fail or stall a request: each bounded to
 * `timeoutMs`, a failure answered by the caller's fallback, and warned about at most every 10 s
 * so an outage does not flood the logs.
 */
export class FailOpen {
  private lastWarning = 0;

  constructor(
    private readonly logger: Logger,
    /** What is called, for the timeout error and the warning: "rate limiter", "sign-in throttle". */
    private readonly what: string,
    private readonly timeoutMs = 250,
  ) {}

  async run<T>(fn: () => Promise<T>, fallback: T, options: { warn?: boolean } = {}): Promise<T> {
    try {
      return await withTimeout(fn(), this.timeoutMs, this.what);
    } catch (error) {
      if ((options.warn ?? true) && Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: { message: (error as Error).message } }, `${this.what} unavailable; failing open`);
      }
      return fallback;
    }
  }
}
