import type { NumberPool } from "../numbers.ts";
import type { SeatCount } from "../types.ts";
import { planBatch } from "./plan-batch.ts";
import type { Plan, PlanInput, PlanResources, PlanUser } from "./types.ts";

/** A create not provisioned yet: nothing held, so nothing released that another user could take. */
const holdsNothing = (u: PlanUser): boolean =>
  !u.deleted && u.officeId === null && u.seatLicenseTypeId === null && u.did === null && u.extension === null;

/**
 * planBatch over a long list of new users, one chunk at a time: each chunk is planned with what the
 * chunks before it left (seat counts, pool numbers, free extensions), so together they decide exactly
 * what one planBatch over all would, and the caller can yield between chunks (a preview of 10,000 users).
 * New users only: a release in a later chunk would serve an earlier user in one batch, not here.
 */
export function* planInChunks(input: PlanInput, chunkSize: number): Generator<Plan, void, void> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  if (input.requests && input.requests.size > 0) throw new RangeError("planInChunks plans no admin requests");
  for (const u of input.users) {
    if (!holdsNothing(u)) throw new RangeError(`planInChunks plans new users only; user ${u.id} holds resources`);
  }
  let resources: ReadonlyMap<string, PlanResources> = input.resources;
  for (let start = 0; start < input.users.length; start += chunkSize) {
    const plan = planBatch({ ...input, users: input.users.slice(start, start + chunkSize), resources });
    resources = resourcesLeft(resources, plan);
    yield plan;
  }
}

/** What a chunk's plan leaves of each company's resources for the next chunk. */
function resourcesLeft(before: ReadonlyMap<string, PlanResources>, plan: Plan): Map<string, PlanResources> {
  const after = new Map(before);
  const taken = new Set(plan.numbers.assigned.map((n) => n.e164));
  for (const [companyId, resources] of before) {
    const users = plan.users.filter((u) => u.companyId === companyId);
    if (users.length === 0) continue;
    after.set(companyId, {
      ...resources,
      seats: seatsAfter(
        resources.seats,
        plan.seats.filter((s) => s.companyId === companyId),
      ),
      numbers: withoutTaken(resources.numbers, taken),
      ...(resources.chargedCents ? { chargedCents: chargedAfter(resources.chargedCents, plan, companyId) } : {}),
      extensions: extensionsAfter(
        resources.extensions,
        // A new user with an office asked for an extension (planBatch counts it against the range even when
        // its seat is then refused); the ones given out are the lowest, in order.
        users.filter((u) => u.office !== null).length,
        plan.extensions.assigned.filter((e) => e.companyId === companyId).length,
      ),
    });
  }
  return after;
}

/** What the company's charges sum to per billing period once the chunk's charges are added. */
function chargedAfter(before: ReadonlyMap<string, number>, plan: Plan, companyId: string): Map<string, number> {
  const after = new Map(before);
  for (const c of plan.charges) {
    if (c.companyId === companyId) after.set(c.periodStart, (after.get(c.periodStart) ?? 0) + c.amountCents);
  }
  return after;
}

function seatsAfter(rows: readonly SeatCount[], changes: Plan["seats"]): SeatCount[] {
  const next = rows.map((r) => ({ ...r }));
  for (const change of changes) {
    const row = next.find((r) => r.officeId === change.officeId && r.licenseTypeId === change.licenseTypeId);
    if (row) {
      row.purchased = change.purchasedAfter;
      row.used = change.usedAfter;
    } else {
      const { officeId, licenseTypeId, purchasedAfter: purchased, usedAfter: used } = change;
      next.push({ officeId, licenseTypeId, purchased, used });
    }
  }
  return next;
}

function withoutTaken(pool: NumberPool, taken: ReadonlySet<string>): NumberPool {
  if (taken.size === 0) return pool;
  let removed = 0;
  // The lowest numbers go first, so what a chunk took is a prefix of each list: dropped without a scan.
  const dropTaken = (list: readonly string[]) => {
    let i = 0;
    while (i < list.length && taken.has(list[i] ?? "")) i++;
    removed += i;
    return i === 0 ? list : list.slice(i);
  };
  const fast = {
    byOffice: new Map([...pool.byOffice].map(([id, list]) => [id, dropTaken(list)])),
    unbound: dropTaken(pool.unbound),
  };
  if (removed === taken.size) return fast;
  const keep = (list: readonly string[]) => list.filter((e164) => !taken.has(e164));
  return { byOffice: new Map([...pool.byOffice].map(([id, list]) => [id, keep(list)])), unbound: keep(pool.unbound) };
}

/** The range left: past the extensions given out, and no longer than the slots the chunk did not count. */
function extensionsAfter(free: readonly number[], asked: number, given: number): readonly number[] {
  const slotsLeft = Math.max(0, free.length - asked);
  return free.slice(given, given + slotsLeft);
}
