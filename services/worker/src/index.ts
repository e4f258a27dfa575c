export { type CapacityResult, checkCapacity } from "./capacity-check.ts";
export type { CarrierPort, CarrierPurchase } from "./carrier/port.ts";
export { SandboxCarrier } from "./carrier/sandbox.ts";
export { loadConfig, type WorkerConfig } from "./config.ts";
export { reconcileBatch } from "./reconcile/run-batch.ts";
export { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.ts";
export type { WebhookOptions } from "./webhooks/runtime.ts";
