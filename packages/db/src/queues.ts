/**
 * Queue names and job shapes shared by the API (dashboard, retries) and the worker.
 * Payloads carry ids only, never personal data (STYLE §3).
 */
export const PROVISIONING_QUEUE = "provisioning";
export const RECONCILE_JOB = "reconcile-user";

export type ReconcileJobData = { userId: string; companyId: string; generation: number };

/** Deterministic, no ':' and never all digits (BullMQ rules, LIBRARIES.md §5). */
export const reconcileJobId = (userId: string, generation: number): string => `u_${userId}_g${generation}`;

/** Default prefix: a hash tag, so a Redis Cluster keeps every key of a queue on one slot. */
export const DEFAULT_QUEUE_PREFIX = "{scimline}";
