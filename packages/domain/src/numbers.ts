export type NumberRequest = { userId: string; officeId: string };
export type NumberAssignment = { userId: string; e164: string; source: "office_pool" | "unbound_pool" };
export type NumberPool = { byOffice: ReadonlyMap<string, readonly string[]>; unbound: readonly string[] };
export type NumberPlan = {
  assignments: NumberAssignment[];
  /** Users the pool could not serve, in request order: they need a number from the carrier. */
  needCarrier: string[];
};

const E164 = /^\+[1-9]\d{6,14}$/;
// docs/RULES.md DID rule 2: North American area codes; the first digit is never 0 or 1.
const AREA_CODE = /^[2-9]\d{2}$/;

export function isE164(value: unknown): value is string {
  return typeof value === "string" && E164.test(value);
}

export function isAreaCode(value: unknown): value is string {
  return typeof value === "string" && AREA_CODE.test(value);
}

/** docs/RULES.md DID rule 2: the sandbox carrier has 100 numbers per area code. */
export const SANDBOX_NUMBERS_PER_AREA_CODE = 100;

/**
 * docs/RULES.md DID rule 2: the sandbox carrier sells `+1 <area code> 555 01XX`, the numbers
 * reserved for fiction; `index` picks XX (0-99), so ascending index is ascending number.
 */
export function sandboxCarrierNumber(areaCode: string, index: number): string {
  if (!isAreaCode(areaCode)) throw new RangeError(`Not a North American area code: ${JSON.stringify(areaCode)}`);
  if (!Number.isInteger(index) || index < 0 || index >= SANDBOX_NUMBERS_PER_AREA_CODE) {
    throw new RangeError(`Sandbox number index must be 0-99, got ${index}`);
  }
  return `+1${areaCode}55501${String(index).padStart(2, "0")}`;
}

/**
 * docs/RULES.md "DID allocation" rule 1 for a batch: each user takes the lowest unused number of
 * its own office, else the lowest unused number bound to no office; nobody gets a number
 * twice. The caller passes each list sorted ascending and unassigned; users left over go to
 * the carrier (rule 2).
 */
export function planNumberAssignments(requests: readonly NumberRequest[], pool: NumberPool): NumberPlan {
  const seenUsers = new Set<string>();
  for (const { userId } of requests) {
    if (seenUsers.has(userId)) throw new RangeError(`User ${userId} asks for a number twice in one batch`);
    seenUsers.add(userId);
  }
  const taken = new Set<string>();
  const cursors = new Map<readonly string[], number>();
  // Lists are walked with a cursor: a number is skipped once taken, so the batch stays linear.
  const takeLowest = (list: readonly string[] | undefined): string | null => {
    if (list === undefined) return null;
    let i = cursors.get(list) ?? 0;
    while (i < list.length) {
      const candidate = list[i];
      i++;
      if (candidate !== undefined && !taken.has(candidate)) {
        cursors.set(list, i);
        taken.add(candidate);
        return candidate;
      }
    }
    cursors.set(list, i);
    return null;
  };

  const assignments: NumberAssignment[] = [];
  const needCarrier: string[] = [];
  for (const { userId, officeId } of requests) {
    const own = takeLowest(pool.byOffice.get(officeId));
    if (own !== null) {
      assignments.push({ userId, e164: own, source: "office_pool" });
      continue;
    }
    const unbound = takeLowest(pool.unbound);
    if (unbound !== null) assignments.push({ userId, e164: unbound, source: "unbound_pool" });
    else needCarrier.push(userId);
  }
  return { assignments, needCarrier };
}
