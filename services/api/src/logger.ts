import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Exact paths, not wildcards: fast-redact compiles each into a direct property access,
 * while `*.password` walks every key of every line. These are the objects the API logs
 * that could carry a secret: an error (`err`) and, should one ever be logged, a request.
 */
export const REDACT_PATHS = ["req.headers.authorization", "err.password", "err.token", "err.cause.password"];

export function createLogger(level: string, destination: DestinationStream): Logger {
  return pino({ level, base: { service: "api" }, redact: REDACT_PATHS }, destination);
}

/**
 * Buffered stdout: lines are written in 4 KiB chunks (sonic-boom minLength), at least
 * every second; main.ts flushes synchronously before it exits.
 */
export const bufferedStdout = () => pino.destination({ sync: false, minLength: 4096, periodicFlush: 1000 });
