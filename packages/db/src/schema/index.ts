export * from "./companies.ts";
export * from "./directories.ts";
export * from "./events.ts";
export * from "./groups.ts";
export * from "./sso.ts";
export * from "./telephony.ts";
export * from "./users.ts";
export * from "./webhooks.ts";
