import { parseReconcileBatchJobData, RECONCILE_BATCH_JOB } from "@scimline/queue";
import type { Queue } from "bullmq";

/**
 * The users named by batch jobs Redis still holds unfinished (waiting, running, delayed for a retry):
 * the sweep and a resync leave them to their batch instead of enqueueing their own jobs too. A user
 * has no job id of its own while its batch holds it, so this is how "is its work still queued?" is
 * answered for it. Bounded by the backlog: a batch job names up to BATCH_SIZE users.
 */
export async function usersInPendingBatches(queue: Queue): Promise<Set<string>> {
  const jobs = await queue.getJobs(["waiting", "active", "delayed", "prioritized", "waiting-children"]);
  const users = new Set<string>();
  for (const job of jobs) {
    if (job?.name !== RECONCILE_BATCH_JOB) continue;
    for (const u of parseReconcileBatchJobData(job.data)?.users ?? []) users.add(u.userId);
  }
  return users;
}
