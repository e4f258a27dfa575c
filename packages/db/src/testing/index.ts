import "./provided.ts";

export * from "./database.ts";
export * from "./factories.ts";
export * from "./redis.ts";
