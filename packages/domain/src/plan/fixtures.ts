import type { LicenseType, Office, SeatCount } from "../types.ts";
import { planBatch, planNeeds } from "./plan-batch.ts";
import type {
  AdminRequest,
  CarrierOrderState,
  Plan,
  PlanCompany,
  PlanInput,
  PlanResources,
  PlanUser,
  UserPlan,
} from "./types.ts";

/** Test builders for the plan: one company "c1", offices HQ (US, main), BER (DE), LON (GB). */
export const TODAY = "2026-11-29"; // billing day 1: period Nov 1-30, 2 of 30 days left
export const VOICE = "lt-voice";
export const SUPPORT = "lt-support";
export const SALES = "lt-sales";
export const LICENSES: LicenseType[] = [
  { id: VOICE, name: "Dialpad_Ai Voice", monthlyPriceCents: 1500, assignsDid: true },
  { id: SUPPORT, name: "Dialpad_Support", monthlyPriceCents: 2500, assignsDid: false },
  { id: SALES, name: "Dialpad_Ai Sales", monthlyPriceCents: 3000, assignsDid: true },
];
const at = (day: number) => new Date(Date.UTC(2026, 0, day));
export const OFFICES: Office[] = [
  { id: "hq", name: "HQ", country: "US", main: true, createdAt: at(1) },
  { id: "ber", name: "Berlin", country: "DE", main: false, createdAt: at(2) },
  { id: "lon", name: "London", country: "GB", main: false, createdAt: at(3) },
];

export const seat = (officeId: string, licenseTypeId: string, purchased: number, used: number): SeatCount => ({
  officeId,
  licenseTypeId,
  purchased,
  used,
});

export function company(over: Partial<PlanCompany> = {}): PlanCompany {
  return {
    id: "c1",
    defaultAreaCode: "415",
    billingDay: 1,
    autoPurchase: true,
    offices: OFFICES,
    licenseTypes: new Map(LICENSES.map((l) => [l.id, l])),
    seats: [],
    ...over,
  };
}

let counter = 0;
/** A new user (created, not provisioned yet), active, Voice. */
export function user(over: Partial<PlanUser> = {}): PlanUser {
  counter++;
  return {
    id: `u${String(counter).padStart(3, "0")}`,
    companyId: "c1",
    generation: 1,
    appliedGeneration: 0,
    deleted: false,
    desiredActive: true,
    licenseTypeId: VOICE,
    officeHints: {},
    status: "provisioning",
    errorCode: null,
    officeId: null,
    matchedBy: null,
    matchedValue: null,
    seatLicenseTypeId: null,
    did: null,
    extension: null,
    didAllocations: 0,
    ...over,
  };
}

/** A user provisioned in `officeId` with a Voice seat, a DID and an extension. */
export const provisioned = (over: Partial<PlanUser> = {}): PlanUser =>
  user({
    status: "active",
    generation: 2,
    appliedGeneration: 1,
    officeId: "hq",
    matchedBy: "mainOffice",
    seatLicenseTypeId: VOICE,
    did: "+14155550100",
    extension: 100,
    ...over,
  });

export function resources(over: Partial<PlanResources> = {}): PlanResources {
  return {
    numbers: { byOffice: new Map(), unbound: [] },
    extensions: [100, 101, 102, 103, 104],
    seats: [],
    carrierOrders: new Map(),
    ...over,
  };
}

export const pool = (byOffice: Record<string, string[]>, unbound: string[] = []) => ({
  byOffice: new Map(Object.entries(byOffice)),
  unbound,
});

export const orders = (userId: string, ...list: CarrierOrderState[]) => new Map([[userId, list]]);

export type Scenario = {
  users: PlanUser[];
  company?: Partial<PlanCompany>;
  resources?: Partial<PlanResources>;
  requests?: Record<string, AdminRequest>;
  giveUp?: Record<string, "no_number_available" | "provisioning_error">;
};

export function input(s: Scenario): PlanInput {
  let ids = 0;
  return {
    today: TODAY,
    companies: new Map([["c1", company(s.company)]]),
    users: s.users,
    resources: new Map([["c1", resources(s.resources)]]),
    requests: new Map(Object.entries(s.requests ?? {})),
    giveUp: new Map(
      Object.entries(s.giveUp ?? {}).map(([id, code]) => [
        id,
        { code, generation: s.users.find((u) => u.id === id)?.generation ?? 0 },
      ]),
    ),
    newId: () => `charge-${++ids}`,
  };
}

export const run = (s: Scenario): Plan => planBatch(input(s));
export const needsOf = (s: Scenario) => planNeeds(input(s)).get("c1");
export const only = (plan: Plan): UserPlan => {
  const [first] = plan.users;
  if (!first || plan.users.length !== 1) throw new Error(`expected one user, got ${plan.users.length}`);
  return first;
};
export const typesOf = (plan: Plan, userId?: string) =>
  plan.events.filter((e) => userId === undefined || e.userId === userId).map((e) => e.type);
