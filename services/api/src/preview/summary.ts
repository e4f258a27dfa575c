import { isProvisioningErrorCode, type PlanCompany, remedyOf, type UserPlan } from "@scimline/domain";
import type { Admission, Refusal } from "./admit.ts";

export type NumberSource = "officePool" | "unboundPool" | "carrier" | "none";

export type PreviewUser = {
  userName: string | null;
  office: { id: string; name: string } | null;
  matchedBy: string | null;
  matchedValue: string | null;
  licenseType: string | null;
  seat: "reuse" | "buy" | "none" | "refused";
  chargeCents: number;
  number: { source: NumberSource };
  refusal: Refusal | null;
};

export type PreviewTotals = {
  users: number;
  seatsToBuy: { officeId: string; officeName: string; licenseType: string; count: number; chargeCents: number }[];
  chargeCents: number;
  numbersFromPool: number;
  numbersToBuy: { areaCode: string; count: number }[];
  refused: Record<string, number>;
  unmatchedHints: { value: string; count: number }[];
};

export type Preview = { users: PreviewUser[]; totals: PreviewTotals };

const NAME_RULES = new Set(["officeName", "physicalDeliveryOfficeName", "department"]);

const numberSource = (plan: UserPlan): NumberSource =>
  plan.number.type === "assigned" ? plan.number.source : plan.number.type === "order" ? "carrier" : "none";

/** One user's answer: what the door refused, or what the plan decided for it. */
export function previewUser(company: PlanCompany, admission: Admission, plan: UserPlan | undefined): PreviewUser {
  if (admission.type === "refused") {
    return {
      userName: admission.userName,
      office: null,
      matchedBy: null,
      matchedValue: null,
      licenseType: admission.licenseType,
      seat: "refused",
      chargeCents: 0,
      number: { source: "none" },
      refusal: admission.refusal,
    };
  }
  if (plan === undefined) throw new Error(`the plan has no decision for accepted user ${admission.userName}`);
  const office = plan.office ? company.offices.find((o) => o.id === plan.office?.officeId) : undefined;
  const failure = plan.failure;
  const seat = plan.seat.type === "reused" ? "reuse" : plan.seat.type === "bought" ? "buy" : "none";
  return {
    userName: admission.userName,
    office: office ? { id: office.id, name: office.name } : null,
    matchedBy: plan.office?.matchedBy ?? null,
    matchedValue: plan.office?.matchedValue ?? null,
    licenseType: admission.license.name,
    seat: failure ? "refused" : seat,
    chargeCents: plan.seat.type === "bought" ? plan.seat.chargeCents : 0,
    number: { source: numberSource(plan) },
    refusal: failure ? { code: failure, detail: isProvisioningErrorCode(failure) ? remedyOf(failure) : failure } : null,
  };
}

/** Office-like values a user gave that named no office (it fell back to country, closest name or main office). */
export function unmatchedValues(admission: Admission, plan: UserPlan | undefined): string[] {
  if (admission.type !== "accepted" || !plan?.office) return [];
  if (NAME_RULES.has(String(plan.office.matchedBy))) return [];
  const { officeName, physicalDeliveryOfficeName, department } = admission.hints;
  const values = [officeName, physicalDeliveryOfficeName, department].map((v) => v?.trim() ?? "").filter(Boolean);
  return [...new Set(values)];
}

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** The totals over every user's answer. */
export function totalsOf(
  company: PlanCompany,
  users: readonly PreviewUser[],
  plans: readonly (UserPlan | undefined)[],
  hints: readonly string[][],
): PreviewTotals {
  const seats = new Map<string, PreviewTotals["seatsToBuy"][number]>();
  const areaCodes = new Map<string, number>();
  const refused: Record<string, number> = {};
  const unmatched = new Map<string, number>();
  let numbersFromPool = 0;
  let chargeCents = 0;
  users.forEach((user, i) => {
    const plan = plans[i];
    if (user.refusal) refused[user.refusal.code] = (refused[user.refusal.code] ?? 0) + 1;
    for (const value of hints[i] ?? []) count(unmatched, value);
    if (plan?.seat.type === "bought") {
      const { officeId, licenseTypeId } = plan.seat;
      const key = `${officeId}/${licenseTypeId}`;
      const entry = seats.get(key) ?? {
        officeId,
        officeName: company.offices.find((o) => o.id === officeId)?.name ?? "",
        licenseType: company.licenseTypes.get(licenseTypeId)?.name ?? licenseTypeId,
        count: 0,
        chargeCents: 0,
      };
      entry.count++;
      entry.chargeCents += plan.seat.chargeCents;
      chargeCents += plan.seat.chargeCents;
      seats.set(key, entry);
    }
    if (plan?.number.type === "order") count(areaCodes, plan.number.areaCode);
    if (user.number.source === "officePool" || user.number.source === "unboundPool") numbersFromPool++;
  });
  const byName = (a: { officeName: string; licenseType: string }, b: { officeName: string; licenseType: string }) =>
    a.officeName.localeCompare(b.officeName) || a.licenseType.localeCompare(b.licenseType);
  return {
    users: users.length,
    seatsToBuy: [...seats.values()].sort(byName),
    chargeCents,
    numbersFromPool,
    numbersToBuy: [...areaCodes]
      .map(([areaCode, n]) => ({ areaCode, count: n }))
      .sort((a, b) => a.areaCode.localeCompare(b.areaCode)),
    refused,
    unmatchedHints: [...unmatched]
      .map(([value, n]) => ({ value, count: n }))
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
  };
}
