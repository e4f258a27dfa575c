import { type ReconcileJobData, reconcileJob } from "@scimline/queue";

/** A user owed a reconcile, as the relay's resync and the sweep read it from `users`. */
export type OwedUser = { id: string; company_id: string; generation: number };

export const owedJobData = (u: OwedUser): ReconcileJobData => ({
  userId: u.id,
  companyId: u.company_id,
  generation: u.generation,
});

/** The user's own job (`u_<userId>_g<generation>`), for the relay's resync and the sweep's re-enqueue. */
export const owedUserJob = (u: OwedUser) => reconcileJob(owedJobData(u));
