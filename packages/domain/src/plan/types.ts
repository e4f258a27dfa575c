import type { DomainEvent, NumberSource } from "../events.ts";
import type { GroupRule, UserGroup } from "../group-rules.ts";
import type { NumberPool } from "../numbers.ts";
import type { MatchedBy } from "../office-match.ts";
import type { LicenseType, Office, OfficeHints, ProvisioningErrorCode, SeatCount, UserStatus } from "../types.ts";

/** A company as the plan sees it: its offices, catalogue and settings. */
export type PlanCompany = {
  id: string;
  defaultAreaCode: string;
  billingDay: number;
  autoPurchase: boolean;
  offices: readonly Office[];
  licenseTypes: ReadonlyMap<string, LicenseType>;
  /** Seat counts as loaded, unlocked: they only steer the office match. */
  seats: readonly SeatCount[];
  /** Pushed groups decide office and license type for their members (absent: none). */
  groupRules?: readonly GroupRule[];
  /** Seat purchases may not pass this many cents per billing period (absent or null: no cap). */
  monthlySpendCapCents?: number | null;
};

/** A user: its desired state (what the IdP and admins asked) and what it holds now. */
export type PlanUser = {
  id: string;
  companyId: string;
  generation: number;
  appliedGeneration: number;
  // desired state
  deleted: boolean;
  desiredActive: boolean;
  licenseTypeId: string;
  officeHints: OfficeHints;
  // what it holds and shows now
  status: UserStatus;
  errorCode: string | null;
  officeId: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  /** The license type of the seat it holds in its office; null when it holds none. */
  seatLicenseTypeId: string | null;
  did: string | null;
  extension: number | null;
  /** DIDs released so far: part of the carrier order key, so a new need buys anew and a retry does not. */
  didAllocations: number;
  // group rules (all optional: absent means none of them applies)
  /** The group rule that chose its office (matchedBy "groupRule"). */
  matchedRuleId?: string | null;
  /** An admin changed its office or license type: group rules no longer move it. */
  pinned?: boolean;
  /** The identity provider sent a licenseType: it wins over group rules. */
  licenseExplicit?: boolean;
  /** The pushed groups it belongs to (loaded when its company has group rules). */
  groups?: readonly UserGroup[];
  /**
   * While its directory's hold window is open (the caller reads the clock): its end. A new user of a
   * company with rules, in no ruled group yet and with no office attribute of its own, waits until then.
   */
  holdUntil?: Date | null;
};

/** An admin's change of one user, applied with the same rules as everything else. */
export type AdminRequest = {
  /** Move to this office: the seat moves (reused or bought there), DID and extension stay. */
  officeId?: string;
  /** This number of the company's (unassigned, locked by the caller) becomes the user's DID. */
  did?: { e164: string; officeId: string | null };
  /** This extension of the range (free, locked by the caller) becomes the user's. */
  extension?: number;
};

export type GiveUp = { code: ProvisioningErrorCode; generation: number };

export type CarrierOrderState = {
  key: string;
  status: "pending" | "completed" | "unavailable";
  e164: string | null;
};

/** What the caller claimed for one company (numbers and extensions locked, seat rows locked). */
export type PlanResources = {
  /** Unassigned numbers, each list ascending. */
  numbers: NumberPool;
  /** Free extensions, ascending. */
  extensions: readonly number[];
  /** Fresh seat counts of the (office, license type) pairs the batch touches; a missing pair has none. */
  seats: readonly SeatCount[];
  /** Carrier orders of the batch's users whose number has not joined the company's numbers yet. */
  carrierOrders: ReadonlyMap<string, readonly CarrierOrderState[]>;
  /**
   * What the company's charges already sum to per billing period (its start date → cents), read under
   * the company's spend lock; only a company with a spend cap needs it (a missing period: nothing yet).
   */
  chargedCents?: ReadonlyMap<string, number>;
};

export type PlanInput = {
  /** The day charges are prorated on (ISO date). */
  today: string;
  companies: ReadonlyMap<string, PlanCompany>;
  users: readonly PlanUser[];
  /** Keyed by company id; a company without resources can take nothing new. */
  resources: ReadonlyMap<string, PlanResources>;
  requests?: ReadonlyMap<string, AdminRequest>;
  /**
   * Users whose work for `generation` failed for good (retries used up): they wait in `failed` with
   * the code, unless a newer change has its own work or they already wait for something else.
   */
  giveUp?: ReadonlyMap<string, GiveUp>;
  /** Ids for the charges the plan makes. */
  newId: () => string;
};

/** What to claim before planning: per company, numbers per office, extensions and seat rows. */
export type PlanNeeds = Map<
  string,
  {
    numbersPerOffice: Map<string, number>;
    extensions: number;
    seatPairs: { officeId: string; licenseTypeId: string }[];
  }
>;

export type PlannedSeat =
  | { type: "none" }
  | { type: "kept"; officeId: string; licenseTypeId: string }
  | { type: "reused"; officeId: string; licenseTypeId: string }
  | { type: "bought"; officeId: string; licenseTypeId: string; chargeId: string; chargeCents: number }
  | { type: "refused"; officeId: string; licenseTypeId: string; code: "no_license_available" | "spend_cap_reached" };

export type PlannedNumber =
  | { type: "none" }
  | { type: "kept"; e164: string }
  | { type: "assigned"; e164: string; source: NumberSource }
  | { type: "order"; areaCode: string; key: string };

export type Outcome =
  | { type: "done"; status: "active" | "suspended" }
  | { type: "erased" }
  | { type: "waiting"; code: ProvisioningErrorCode }
  | { type: "needs_carrier"; companyId: string; areaCode: string; idempotencyKey: string }
  /** Waiting for its group memberships until `until`: run it again then (or sooner, when one arrives). */
  | { type: "awaiting_group_rules"; until: Date };

/** The user row after the plan (what the one writer stores). */
export type UserRowAfter = {
  status: UserStatus;
  errorCode: string | null;
  officeId: string | null;
  matchedBy: string | null;
  matchedValue: string | null;
  matchedRuleId: string | null;
  /** The license type in effect (a group rule may have chosen it). */
  licenseTypeId: string;
  seatLicenseTypeId: string | null;
  did: string | null;
  extension: number | null;
  didAllocations: number;
};

export type UserPlan = {
  userId: string;
  companyId: string;
  generation: number;
  /** The desired state is reached: applied_generation becomes generation. */
  applied: boolean;
  outcome: Outcome;
  row: UserRowAfter;
  /** Why: the office and how it was chosen, the seat, the number, the failure. */
  office: {
    officeId: string;
    matchedBy: MatchedBy | string | null;
    matchedValue: string | null;
    ruleId: string | null;
  } | null;
  seat: PlannedSeat;
  number: PlannedNumber;
  failure: ProvisioningErrorCode | null;
};

export type SeatChange = {
  companyId: string;
  officeId: string;
  licenseTypeId: string;
  purchased: number;
  used: number;
  purchasedAfter: number;
  usedAfter: number;
};

export type PlannedCharge = {
  id: string;
  companyId: string;
  officeId: string;
  licenseTypeId: string;
  userId: string;
  unitPriceCents: number;
  amountCents: number;
  periodStart: string;
  periodEnd: string;
  idempotencyKey: string;
};

export type Plan = {
  users: UserPlan[];
  seats: SeatChange[];
  charges: PlannedCharge[];
  numbers: {
    /** Back to the unassigned pool; a number bound to no office joins its user's office. */
    released: { e164: string; officeId: string | null }[];
    assigned: { e164: string; userId: string }[];
    /** Numbers bought from the carrier joining the company's numbers (assigned, or to the pool). */
    added: { e164: string; companyId: string; officeId: string | null; userId: string | null }[];
  };
  extensions: {
    released: { companyId: string; extension: number }[];
    assigned: { companyId: string; extension: number; userId: string }[];
  };
  /** Carrier purchases to record (the intent, before the call). */
  carrierOrders: { key: string; companyId: string; userId: string; areaCode: string }[];
  erased: string[];
  events: DomainEvent[];
};
