import { randomUUID } from "node:crypto";

export const testRedisUrl = (): string => process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** BullMQ connection options for the test Redis (Workers need maxRetriesPerRequest: null). */
export function testRedisConnection() {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

/** A queue prefix of its own per test; a hash tag so Redis Cluster would keep it on one slot. */
export const testQueuePrefix = (): string => `{t-${randomUUID().slice(0, 8)}}`;
