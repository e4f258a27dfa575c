import type { MatchedBy } from "./office-match.ts";
import type { ProvisioningErrorCode } from "./types.ts";

/**
 * The closed list of event types; each type's `data` is below (and in the admin API's OpenAPI document).
 * Every decision and change of a user is recorded as one of them, in the transaction that makes it:
 * the timeline, the company feed and webhooks read them.
 */
export const EVENT_TYPES = [
  "user.accepted",
  "user.office_matched",
  "seat.reused",
  "seat.purchased",
  "seat.released",
  "number.assigned",
  "number.released",
  "extension.assigned",
  "extension.released",
  "user.provisioned",
  "user.failed",
  "user.retried",
  "user.suspended",
  "user.reactivated",
  "user.deleted",
  "user.changed_by_admin",
  "user.office_changed",
  "user.license_changed",
  "user.held",
  "user.held_confirmed",
  "user.held_rejected",
  "user.adopted",
  "user.directory_changed",
  "capacity.seats_low",
  "capacity.numbers_low",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Where a user's number came from. */
export type NumberSource = "officePool" | "unboundPool" | "carrier";
/** Who changed a user's office or license type. */
export type ChangeCause = "admin" | "groupRule";
/** The group rule behind a decision, and the pushed group the user is in that it matched. */
export type RuleRef = { ruleId: string; groupId: string; groupName: string };

/** Each type's `data`. Ids, codes and company data only; the few personal values are scrubbed on erase. */
export type EventData = {
  "user.accepted": { directoryId: string; licenseType: string };
  "user.office_matched": {
    officeId: string;
    officeName: string;
    matchedBy: MatchedBy | "groupRule";
    matchedValue: string | null;
  } & Partial<RuleRef>;
  "seat.reused": { officeId: string; licenseType: string };
  "seat.purchased": { officeId: string; licenseType: string; chargeId: string; chargeCents: number };
  "seat.released": { officeId: string; licenseType: string };
  "number.assigned": { e164: string; source: NumberSource; cause?: "admin" };
  "number.released": { e164: string };
  "extension.assigned": { extension: string; cause?: "admin" };
  "extension.released": { extension: string };
  "user.provisioned": { officeId: string; licenseType: string; did: string | null; extension: string | null };
  "user.failed": { code: ProvisioningErrorCode };
  "user.retried": { previousCode: string | null };
  "user.suspended": Record<string, never>;
  "user.reactivated": Record<string, never>;
  "user.deleted": Record<string, never>;
  "user.changed_by_admin": { fields: string[] };
  "user.office_changed": { fromOfficeId: string | null; toOfficeId: string; cause: ChangeCause } & Partial<RuleRef>;
  "user.license_changed": { from: string; to: string; cause: ChangeCause } & Partial<RuleRef>;
  "user.held": { kind: "deactivate" | "delete"; directoryId: string };
  "user.held_confirmed": { kind: "deactivate" | "delete" };
  "user.held_rejected": { kind: "deactivate" | "delete" };
  "user.adopted": { fromDirectoryId: string; toDirectoryId: string };
  "user.directory_changed": { fromDirectoryId: string; toDirectoryId: string };
  "capacity.seats_low": { officeId: string; licenseType: string; free: number; threshold: number };
  "capacity.numbers_low": { officeId: string | null; free: number; threshold: number };
};

/** An event as a decision produces it; the writer adds its id and time. */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; companyId: string; userId: string | null; data: EventData[K] };
}[T];

export const event = <T extends EventType>(
  type: T,
  companyId: string,
  userId: string | null,
  data: EventData[T],
): DomainEvent<T> => ({ type, companyId, userId, data }) as DomainEvent<T>;

/**
 * Keys of `data` that could identify a person: an erased user's events keep only ids, codes and
 * company data (offices, license types, amounts), so these are removed when the user is erased.
 */
export const PERSONAL_EVENT_KEYS = ["e164", "did", "extension", "matchedValue"] as const;
