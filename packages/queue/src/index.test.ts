import { describe, expect, test } from "vitest";
import {
  MAX_BATCH_JOB_USERS,
  parseReconcileBatchJobData,
  parseReconcileJobData,
  reconcileBatchJob,
  reconcileBatchJobId,
  reconcileJob,
  reconcileJobId,
} from "./index.ts";

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

  test("a batch job is named by its outbox rows, carries ids only, and never collides with a user's job", () => {
    const users = [
      { userId: USER, companyId: COMPANY, generation: 1 },
      { userId: COMPANY, companyId: COMPANY, generation: 4 },
    ];
    const id = reconcileBatchJobId(17, "66");
    expect(id).toBe("b_17_66");
    expect(id).not.toMatch(/:/);
    expect(id).not.toMatch(/^\d+$/);
    expect(id.startsWith("u_")).toBe(false);
    expect(reconcileBatchJob(id, users)).toEqual({
      name: "reconcile-batch",
      data: { users },
      opts: { jobId: "b_17_66" },
    });
    // Either parser refuses the other's payload.
    expect(parseReconcileBatchJobData({ users })).toEqual({ users });
    expect(parseReconcileJobData({ users })).toBeNull();
    expect(parseReconcileBatchJobData(users[0])).toBeNull();
  });

  test.each([
    [{ users: [] }, false],
    [{ users: [{ userId: USER, companyId: COMPANY, generation: 0 }] }, false],
    [{ users: [{ userId: "nope", companyId: COMPANY, generation: 1 }] }, false],
    [
      {
        users: Array.from({ length: MAX_BATCH_JOB_USERS }, () => ({ userId: USER, companyId: COMPANY, generation: 1 })),
      },
      true,
    ],
    [
      {
        users: Array.from({ length: MAX_BATCH_JOB_USERS + 1 }, () => ({
          userId: USER,
          companyId: COMPANY,
          generation: 1,
        })),
      },
      false,
    ],
    [{ users: "all" }, false],
    [null, false],
  ])("batch payload %# valid: %s", (value, valid) => {
    expect(parseReconcileBatchJobData(value) !== null).toBe(valid);
  });
});
