import { type Database, loadPlanSnapshot } from "@scimline/db";
import { type PlanUser, planInChunks, type UserPlan } from "@scimline/domain";
import { type Admission, Admitter, type Parsed } from "./admit.ts";
import { mapInSlices, Slicer } from "./slices.ts";
import { type Preview, previewUser, totalsOf, unmatchedValues } from "./summary.ts";

/** Users planned between two checks of the clock: about a millisecond of work each time. */
const PLAN_CHUNK = 25;

const planUser = (id: string, companyId: string, a: Extract<Admission, { type: "accepted" }>): PlanUser => ({
  id,
  companyId,
  generation: 1,
  appliedGeneration: 0,
  deleted: false,
  desiredActive: a.active,
  licenseTypeId: a.license.id,
  officeHints: a.hints,
  status: "provisioning",
  errorCode: null,
  officeId: null,
  matchedBy: null,
  matchedValue: null,
  seatLicenseTypeId: null,
  did: null,
  extension: null,
  didAllocations: 0,
  // New users are in no pushed group yet: group rules place them once the identity provider pushes groups.
  groups: [],
  pinned: false,
  licenseExplicit: a.licenseExplicit,
});

/**
 * What creating these users would do now, written nowhere: the door's checks, then the worker's own
 * plan over the company's current state, as if one batch took them all in file order. `parsed`: each
 * user's SCIM body as parseBody reads it (done as each is read, so that the bodies themselves are not
 * all held at once). Cooperative: every stretch of work is short, so other requests are served
 * meanwhile. Null: no company.
 */
export async function previewOnboarding(
  database: Database,
  companyId: string,
  parsed: readonly Parsed[],
  today: string,
  slicer = new Slicer(),
): Promise<Preview | null> {
  const userNames = parsed.flatMap((p) => (p.type === "parsed" ? [p.input.userName] : []));
  const snapshot = await loadPlanSnapshot(database.sql, companyId, { users: parsed.length, userNames });
  if (!snapshot) return null;
  const admitter = new Admitter(snapshot);
  const admissions = await mapInSlices(parsed, (p) => admitter.admit(p), slicer);

  const ids = admissions.map((_, i) => `preview-${i}`);
  const users = admissions.flatMap((a, i) => (a.type === "accepted" ? [planUser(ids[i] ?? "", companyId, a)] : []));
  let charges = 0;
  const decided = new Map<string, UserPlan>();
  const chunks = planInChunks(
    {
      today,
      companies: new Map([[companyId, snapshot.company]]),
      users,
      resources: new Map([[companyId, snapshot.resources]]),
      newId: () => `preview-charge-${++charges}`,
    },
    PLAN_CHUNK,
  );
  for (const plan of chunks) {
    for (const user of plan.users) decided.set(user.userId, user);
    await slicer.pause();
  }

  const plans = ids.map((id) => decided.get(id));
  const answers = await mapInSlices(admissions, (a, i) => previewUser(snapshot.company, a, plans[i]), slicer);
  const hints = await mapInSlices(admissions, (a, i) => unmatchedValues(a, plans[i]), slicer);
  return { users: answers, totals: totalsOf(snapshot.company, answers, plans, hints) };
}
