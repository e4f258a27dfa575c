import { describe, expect, test } from "vitest";
import { planReconcile, statusAfter, type UserSnapshot } from "./lifecycle.ts";

const VOICE = "lt-voice";
const SUPPORT = "lt-support";

// Every combination of the snapshot's fields, checked against the invariants of SPEC §5.
const flags = [false, true] as const;
const combos: UserSnapshot[] = [];
for (const deleted of flags)
  for (const desiredActive of flags)
    for (const assignsDid of flags)
      for (const officeId of [null, "ny"])
        for (const seatLicenseTypeId of [null, VOICE, SUPPORT])
          for (const did of [null, "+14155550100"])
            for (const extension of [null, 100])
              combos.push({
                deleted,
                desiredActive,
                licenseTypeId: VOICE,
                licenseAssignsDid: assignsDid,
                officeId,
                seatLicenseTypeId,
                did,
                extension,
              });

describe("planReconcile invariants over all 192 snapshots", () => {
  test.each(combos)("%j", (s) => {
    const steps = planReconcile(s);
    const last = steps[steps.length - 1];
    expect(new Set(steps).size).toBe(steps.length);
    if (s.deleted) {
      expect(last).toBe("erase");
      expect(steps.some((x) => x.startsWith("acquire") || x.startsWith("allocate") || x.startsWith("mark"))).toBe(
        false,
      );
      expect(steps.includes("release_seat")).toBe(s.seatLicenseTypeId !== null);
      expect(steps.includes("release_did")).toBe(s.did !== null);
      expect(steps.includes("release_extension")).toBe(s.extension !== null);
    } else if (!s.desiredActive) {
      expect(last).toBe("mark_suspended");
      expect(steps.filter((x) => x !== "release_seat" && x !== "mark_suspended")).toEqual([]);
      expect(steps.includes("release_seat")).toBe(s.seatLicenseTypeId !== null);
    } else {
      expect(last).toBe("mark_active");
      // Once the plan has run the user holds exactly what an active user of its license needs.
      const holdsSeatAfter = steps.includes("acquire_seat") || s.seatLicenseTypeId === s.licenseTypeId;
      const holdsDidAfter = steps.includes("allocate_did") || (s.did !== null && !steps.includes("release_did"));
      expect(holdsSeatAfter).toBe(true);
      expect(holdsDidAfter).toBe(s.licenseAssignsDid);
      expect(steps.includes("match_office")).toBe(s.officeId === null);
      expect(steps.includes("allocate_extension")).toBe(s.extension === null);
      expect(steps.includes("erase") || steps.includes("release_extension")).toBe(false);
      if (steps.includes("release_seat"))
        expect(steps.indexOf("release_seat")).toBeLessThan(steps.indexOf("acquire_seat"));
    }
    expect(statusAfter(s)).toBe(s.deleted ? null : s.desiredActive ? "active" : "suspended");
  });

  test.each(combos.filter((s) => !s.deleted))("rerunning after the plan leaves only the mark step: %j", (s) => {
    const steps = planReconcile(s);
    const after: UserSnapshot = {
      ...s,
      officeId: steps.includes("match_office") ? "matched" : s.officeId,
      seatLicenseTypeId: !s.desiredActive ? null : s.licenseTypeId,
      did: steps.includes("allocate_did") ? "+14155550199" : steps.includes("release_did") ? null : s.did,
      extension: steps.includes("allocate_extension") ? 101 : s.extension,
    };
    expect(planReconcile(after)).toEqual([s.desiredActive ? "mark_active" : "mark_suspended"]);
  });
});
