import { checkInvariants, type InvariantCheck, type Sql } from "@scimline/db";
import type { Queue } from "bullmq";
import { type CompanyCapacity, loadCapacity } from "./capacity-data.ts";
import {
  type FailureCount,
  failuresByCode,
  type OutboxLag,
  outboxLag,
  type QueueState,
  queueDepths,
  type StatusCount,
  usersByStatus,
} from "./stats.ts";

/** The overview lists this many companies (short of capacity or with failures first) and failed users. */
export const MAX_COMPANIES = 200;
export const MAX_FAILED_USERS = 20;

export type CompanySummary = {
  id: string;
  name: string;
  provisioning: number;
  active: number;
  suspended: number;
  failed: number;
  failures: FailureCount[];
  capacity: CompanyCapacity | null;
};

export type FailedUser = {
  id: string;
  companyId: string;
  companyName: string;
  userName: string;
  errorCode: string | null;
  generation: number;
  updatedAt: string;
};

export type Overview = {
  generatedAt: Date;
  outbox: OutboxLag;
  /** null: Redis did not answer. */
  queues: { name: string; depths: Record<QueueState, number> | null }[];
  users: StatusCount[];
  failures: FailureCount[];
  companies: CompanySummary[];
  companyCount: number;
  failedUsers: FailedUser[];
  /** Every company's invariants, checked now. */
  invariants: InvariantCheck[];
};

async function companies(sql: Sql): Promise<{ rows: CompanySummary[]; total: number }> {
  const rows = await sql<Omit<CompanySummary, "failures" | "capacity">[]>`
    select c.id, c.name,
      count(u.id) filter (where u.status = 'provisioning')::int as provisioning,
      count(u.id) filter (where u.status = 'active')::int as active,
      count(u.id) filter (where u.status = 'suspended')::int as suspended,
      count(u.id) filter (where u.status = 'failed')::int as failed
    from companies c left join users u on u.company_id = c.id and u.deleted_at is null
    group by c.id, c.name
    order by exists (select 1 from capacity_alerts a where a.company_id = c.id) desc, failed desc, c.name, c.id
    limit ${MAX_COMPANIES}`;
  const [total] = await sql<{ n: number }[]>`select count(*)::int as n from companies`;
  const ids = rows.map((r) => r.id);
  const failures = await sql<(FailureCount & { companyId: string })[]>`
    select company_id as "companyId", coalesce(error_code, 'unknown') as "errorCode", count(*)::int as users
    from users where status = 'failed' and deleted_at is null and company_id = any(${sql.array(ids)}::uuid[])
    group by 1, 2 order by 3 desc, 2`;
  const capacity = await loadCapacity(sql, ids);
  return {
    total: total?.n ?? 0,
    rows: rows.map((r) => ({
      ...r,
      failures: failures.filter((f) => f.companyId === r.id).map(({ errorCode, users }) => ({ errorCode, users })),
      capacity: capacity.get(r.id) ?? null,
    })),
  };
}

async function failedUsers(sql: Sql): Promise<FailedUser[]> {
  const rows = await sql<(Omit<FailedUser, "updatedAt"> & { updatedAt: string | Date })[]>`
    select u.id, u.company_id as "companyId", c.name as "companyName", u.user_name as "userName", u.error_code as "errorCode",
           u.generation, u.updated_at as "updatedAt"
    from users u join companies c on c.id = u.company_id
    where u.status = 'failed' and u.deleted_at is null
    order by u.updated_at desc, u.id limit ${MAX_FAILED_USERS}`;
  return rows.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt).toISOString() }));
}

/** Everything the /admin page shows, read in one go; Redis being down blanks only the queue figures. */
export async function loadOverview(
  sql: Sql,
  queues: Queue[],
  readInvariants: () => Promise<InvariantCheck[]> = () => checkInvariants(sql),
): Promise<Overview> {
  const [outbox, users, failures, company, failed, depths, invariants] = await Promise.all([
    outboxLag(sql),
    usersByStatus(sql),
    failuresByCode(sql),
    companies(sql),
    failedUsers(sql),
    Promise.all(queues.map((q) => queueDepths(q).catch(() => null))),
    readInvariants(),
  ]);
  return {
    generatedAt: new Date(),
    outbox,
    queues: queues.map((q, i) => ({ name: q.name, depths: depths[i] ?? null })),
    users,
    failures,
    companies: company.rows,
    companyCount: company.total,
    failedUsers: failed,
    invariants,
  };
}
