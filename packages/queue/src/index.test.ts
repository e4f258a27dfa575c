import { describe, expect, test } from "vitest";
import { parseReconcileJobData, reconcileJob, reconcileJobId } from "./index.ts";

const USER = "019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f60";
const COMPANY = "019a6b1e-7c1d-7f3a-9a53-2b1c3d4e5f61";

describe("the queue contract", () => {
  test("job ids are deterministic per user and generation, without ':' and never all digits", () => {
    expect(reconcileJobId(USER, 3)).toBe(`u_${USER}_g3`);
    expect(reconcileJobId(USER, 3)).toBe(reconcileJobId(USER, 3));
    expect(reconcileJobId(USER, 3)).not.toBe(reconcileJobId(USER, 4));
    expect(reconcileJobId(USER, 1)).not.toMatch(/:/);
    expect(reconcileJobId(USER, 1)).not.toMatch(/^\d+$/);
  });

  test("a job carries ids only", () => {
    const job = reconcileJob({ userId: USER, companyId: COMPANY, generation: 2 });
    expect(job).toEqual({
      name: "reconcile-user",
      data: { userId: USER, companyId: COMPANY, generation: 2 },
      opts: { jobId: `u_${USER}_g2` },
    });
  });

  test.each([
    [{ userId: USER, companyId: COMPANY, generation: 1 }, true],
    [{ userId: USER, companyId: COMPANY, generation: 0 }, false],
    [{ userId: "not-a-uuid", companyId: COMPANY, generation: 1 }, false],
    [{ userId: USER, generation: 1 }, false],
    [{ userId: USER, companyId: COMPANY, generation: "1" }, false],
    [null, false],
    ["u_x", false],
  ])("payload %j valid: %s", (value, valid) => {
    expect(parseReconcileJobData(value) !== null).toBe(valid);
  });
});
