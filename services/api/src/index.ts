export { createApp } from "./app.ts";
export { type Config, loadConfig } from "./config.ts";
export type { AppDeps } from "./deps.ts";
export { Tenancy } from "./tenancy.ts";
