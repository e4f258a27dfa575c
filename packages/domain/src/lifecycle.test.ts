import { describe, expect, test } from "vitest";
import { planReconcile, type Step, statusAfter, type UserSnapshot } from "./lifecycle.ts";

const VOICE = "lt-voice";
const SUPPORT = "lt-support";

/** Fully provisioned, active, voice user. */
const DONE: UserSnapshot = {
  deleted: false,
  desiredActive: true,
  licenseTypeId: VOICE,
  licenseAssignsDid: true,
  officeId: "ny",
  seatLicenseTypeId: VOICE,
  did: "+14155550100",
  extension: 100,
};
/** Accepted at the door, nothing provisioned yet. */
const FRESH: UserSnapshot = { ...DONE, officeId: null, seatLicenseTypeId: null, did: null, extension: null };
/** Suspended: seat freed, DID and extension kept. */
const SUSPENDED: UserSnapshot = { ...DONE, desiredActive: false, seatLicenseTypeId: null };
/** Support license (no DID). */
const SUPPORT_DONE: UserSnapshot = {
  ...DONE,
  licenseTypeId: SUPPORT,
  licenseAssignsDid: false,
  seatLicenseTypeId: SUPPORT,
  did: null,
};

type Row = [string, UserSnapshot, Step[], "active" | "suspended" | null];

const rows: Row[] = [
  // SPEC §5 create
  [
    "fresh voice user",
    FRESH,
    ["match_office", "acquire_seat", "allocate_did", "allocate_extension", "mark_active"],
    "active",
  ],
  [
    "fresh support user: no DID",
    { ...FRESH, licenseTypeId: SUPPORT, licenseAssignsDid: false },
    ["match_office", "acquire_seat", "allocate_extension", "mark_active"],
    "active",
  ],
  [
    "office matched, rest owed (crash after match)",
    { ...FRESH, officeId: "ny" },
    ["acquire_seat", "allocate_did", "allocate_extension", "mark_active"],
    "active",
  ],
  [
    "seat held, DID and extension owed",
    { ...FRESH, officeId: "ny", seatLicenseTypeId: VOICE },
    ["allocate_did", "allocate_extension", "mark_active"],
    "active",
  ],
  ["only the extension owed", { ...DONE, extension: null }, ["allocate_extension", "mark_active"], "active"],
  ["only the DID owed", { ...DONE, did: null }, ["allocate_did", "mark_active"], "active"],
  ["only the seat owed", { ...DONE, seatLicenseTypeId: null }, ["acquire_seat", "mark_active"], "active"],
  ["only the office owed (odd but possible)", { ...DONE, officeId: null }, ["match_office", "mark_active"], "active"],
  ["fully provisioned: idempotent", DONE, ["mark_active"], "active"],
  ["fully provisioned support user", SUPPORT_DONE, ["mark_active"], "active"],
  // SPEC §5 "Deactivate"
  [
    "deactivate: seat freed, DID and extension kept",
    { ...DONE, desiredActive: false },
    ["release_seat", "mark_suspended"],
    "suspended",
  ],
  ["deactivate again: idempotent", SUSPENDED, ["mark_suspended"], "suspended"],
  [
    "deactivate before any provisioning: nothing acquired",
    { ...FRESH, desiredActive: false },
    ["mark_suspended"],
    "suspended",
  ],
  [
    "deactivate with an office only",
    { ...FRESH, officeId: "ny", desiredActive: false },
    ["mark_suspended"],
    "suspended",
  ],
  [
    "deactivate half-provisioned: seat freed",
    { ...FRESH, officeId: "ny", seatLicenseTypeId: VOICE, desiredActive: false },
    ["release_seat", "mark_suspended"],
    "suspended",
  ],
  [
    "deactivate a support user keeps no DID",
    { ...SUPPORT_DONE, desiredActive: false },
    ["release_seat", "mark_suspended"],
    "suspended",
  ],
  [
    "deactivate keeps a DID even if the license gives none",
    { ...SUPPORT_DONE, did: "+14155550100", desiredActive: false },
    ["release_seat", "mark_suspended"],
    "suspended",
  ],
  [
    "deactivate a user whose seat is of another type",
    { ...DONE, seatLicenseTypeId: SUPPORT, desiredActive: false },
    ["release_seat", "mark_suspended"],
    "suspended",
  ],
  // SPEC §5 "Reactivate": license check again
  ["reactivate: seat acquired again", { ...SUSPENDED, desiredActive: true }, ["acquire_seat", "mark_active"], "active"],
  [
    "reactivate without an extension",
    { ...SUSPENDED, desiredActive: true, extension: null },
    ["acquire_seat", "allocate_extension", "mark_active"],
    "active",
  ],
  [
    "reactivate a never-provisioned user",
    { ...FRESH },
    ["match_office", "acquire_seat", "allocate_did", "allocate_extension", "mark_active"],
    "active",
  ],
  // SPEC §6: admin changes the license type
  [
    "voice → support: seat swapped, DID released",
    { ...DONE, licenseTypeId: SUPPORT, licenseAssignsDid: false },
    ["release_seat", "acquire_seat", "release_did", "mark_active"],
    "active",
  ],
  [
    "support → voice: seat swapped, DID allocated",
    { ...SUPPORT_DONE, licenseTypeId: VOICE, licenseAssignsDid: true },
    ["release_seat", "acquire_seat", "allocate_did", "mark_active"],
    "active",
  ],
  [
    "voice → sales: seat swapped, DID kept",
    { ...DONE, licenseTypeId: "lt-sales" },
    ["release_seat", "acquire_seat", "mark_active"],
    "active",
  ],
  [
    "license changed while suspended: only at reactivation",
    { ...SUSPENDED, licenseTypeId: SUPPORT, licenseAssignsDid: false },
    ["mark_suspended"],
    "suspended",
  ],
  [
    "license changed then reactivated",
    { ...SUSPENDED, desiredActive: true, licenseTypeId: SUPPORT, licenseAssignsDid: false },
    ["acquire_seat", "release_did", "mark_active"],
    "active",
  ],
  [
    "support user holding a DID (license switched after a crash)",
    { ...SUPPORT_DONE, did: "+14155550100" },
    ["release_did", "mark_active"],
    "active",
  ],
  [
    "seat of another type and nothing else",
    { ...FRESH, seatLicenseTypeId: SUPPORT },
    ["match_office", "release_seat", "acquire_seat", "allocate_did", "allocate_extension", "mark_active"],
    "active",
  ],
  // SPEC §5 "Delete"
  [
    "delete a provisioned user",
    { ...DONE, deleted: true },
    ["release_seat", "release_did", "release_extension", "erase"],
    null,
  ],
  [
    "delete a suspended user: no seat to free",
    { ...SUSPENDED, deleted: true },
    ["release_did", "release_extension", "erase"],
    null,
  ],
  ["delete a fresh user", { ...FRESH, deleted: true }, ["erase"], null],
  ["delete a support user", { ...SUPPORT_DONE, deleted: true }, ["release_seat", "release_extension", "erase"], null],
  [
    "delete with only a DID left (crash mid-delete)",
    { ...FRESH, did: "+14155550100", deleted: true },
    ["release_did", "erase"],
    null,
  ],
  [
    "delete with only an extension left",
    { ...FRESH, extension: 100, deleted: true },
    ["release_extension", "erase"],
    null,
  ],
  [
    "delete wins over desiredActive false",
    { ...DONE, desiredActive: false, deleted: true },
    ["release_seat", "release_did", "release_extension", "erase"],
    null,
  ],
  [
    "delete with a seat of another type",
    { ...DONE, seatLicenseTypeId: SUPPORT, deleted: true },
    ["release_seat", "release_did", "release_extension", "erase"],
    null,
  ],
];

describe("planReconcile", () => {
  test.each(rows)("%s", (_name, snapshot, steps, status) => {
    expect(planReconcile(snapshot)).toEqual(steps);
    expect(statusAfter(snapshot)).toBe(status);
  });
});
