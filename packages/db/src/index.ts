export * from "./batcher.ts";
export * from "./client.ts";
export * from "./ids.ts";
export * from "./migrate.ts";
export * from "./queues.ts";
export * as schema from "./schema/index.ts";
export * from "./secrets.ts";
