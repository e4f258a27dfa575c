/** What a user should be (desired state from SCIM) and what it holds now. */
export type UserSnapshot = {
  deleted: boolean;
  desiredActive: boolean;
  licenseTypeId: string;
  licenseAssignsDid: boolean;
  officeId: string | null;
  /** The license type of the seat the user holds, null when it holds none. */
  seatLicenseTypeId: string | null;
  did: string | null;
  extension: number | null;
};

export type Step =
  | "match_office"
  | "release_seat"
  | "acquire_seat"
  | "allocate_did"
  | "release_did"
  | "allocate_extension"
  | "release_extension"
  | "erase"
  | "mark_active"
  | "mark_suspended";

/**
 * The steps a reconcile still owes, in order. Each step is idempotent (SPEC §5), so the plan
 * only says what is missing; the terminal mark step is always there so a rerun converges.
 */
export function planReconcile(s: UserSnapshot): Step[] {
  const steps: Step[] = [];
  const holdsSeat = s.seatLicenseTypeId !== null;

  // SPEC §5 "Delete": seat freed, DID back to the pool, extension freed, then the user is gone.
  if (s.deleted) {
    if (holdsSeat) steps.push("release_seat");
    if (s.did !== null) steps.push("release_did");
    if (s.extension !== null) steps.push("release_extension");
    steps.push("erase");
    return steps;
  }

  // SPEC §5 "Deactivate": the seat is freed (no refund); DID and extension stay. An inactive
  // user acquires nothing, not even an office.
  if (!s.desiredActive) {
    if (holdsSeat) steps.push("release_seat");
    steps.push("mark_suspended");
    return steps;
  }

  // SPEC §5 create / "Reactivate": office, then the license check, DID and extension.
  if (s.officeId === null) steps.push("match_office");
  if (holdsSeat && s.seatLicenseTypeId !== s.licenseTypeId) {
    // SPEC §6: an admin changed the license type: the old type's seat goes back, one of the new type is taken.
    steps.push("release_seat", "acquire_seat");
  } else if (!holdsSeat) {
    steps.push("acquire_seat");
  }
  // SPEC §5 "DID allocation" applies to license types that get a DID; others give theirs back.
  if (s.licenseAssignsDid && s.did === null) steps.push("allocate_did");
  if (!s.licenseAssignsDid && s.did !== null) steps.push("release_did");
  if (s.extension === null) steps.push("allocate_extension");
  steps.push("mark_active");
  return steps;
}

/** The status the user has once the plan has run; null when it is erased. */
export function statusAfter(s: UserSnapshot): "active" | "suspended" | null {
  if (s.deleted) return null;
  return s.desiredActive ? "active" : "suspended";
}
