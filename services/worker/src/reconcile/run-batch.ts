import type { Sql } from "@scimline/db";
import { claimExtensions, claimNumbers, lockSeats, seatKey } from "./claims.ts";
import { assignExtensions, assignNumbers, decideSeatPairs, planDrafts, type SeatWrite } from "./decide.ts";
import { finish, type Outcome } from "./draft.ts";
import { loadCompanies, lockUsers } from "./load.ts";
import {
  eraseUsers,
  type UserWrite,
  writeExtensions,
  writeNumbers,
  writeSeatsAndCharges,
  writeUsers,
} from "./writes.ts";

/**
 * Brings a batch of users to their desired state in ONE transaction (SPEC §5): a
 * rerun finds the steps already recorded and owes nothing, a crash rolls all back.
 * The seats rows, the one hot lock, are taken last and held for a few statements.
 */
export async function reconcileBatch(
  sql: Sql,
  userIds: readonly string[],
  today: string,
  /** Fault injection for tests: runs after every write, before COMMIT. */
  beforeCommit?: () => void | Promise<void>,
): Promise<Map<string, Outcome>> {
  return sql.begin(async (tx) => {
    const outcomes = new Map<string, Outcome>(userIds.map((id) => [id, { type: "gone" }]));
    const users = await lockUsers(tx, userIds);
    if (users.length === 0) return outcomes;
    const companies = await loadCompanies(tx, [...new Set(users.map((u) => u.companyId))]);
    const drafts = planDrafts(users, companies);

    for (const [companyId, company] of companies) {
      const own = drafts.filter((d) => d.user.companyId === companyId);
      const wantDid = own.filter((d) => d.needsDid && !d.failure && d.officeId);
      if (wantDid.length > 0) {
        const perOffice = new Map<string, number>();
        for (const d of wantDid) perOffice.set(d.officeId ?? "", (perOffice.get(d.officeId ?? "") ?? 0) + 1);
        assignNumbers(own, await claimNumbers(tx, companyId, perOffice));
      }
      const wantExtension = own.filter((d) => d.needsExtension && !d.failure).length;
      if (wantExtension > 0) assignExtensions(own, await claimExtensions(tx, companyId, wantExtension));

      const pairs = new Map<string, { officeId: string; licenseTypeId: string }>();
      for (const d of own) {
        if (d.releasedSeat) pairs.set(seatKey(d.releasedSeat.officeId, d.releasedSeat.licenseTypeId), d.releasedSeat);
        if (d.needsSeat && !d.failure && d.officeId) {
          pairs.set(seatKey(d.officeId, d.user.licenseTypeId), {
            officeId: d.officeId,
            licenseTypeId: d.user.licenseTypeId,
          });
        }
      }
      let seatWrites: SeatWrite[] = [];
      if (pairs.size > 0) {
        const locked = await lockSeats(tx, companyId, [...pairs.values()]);
        seatWrites = decideSeatPairs(own, locked, company, today);
      }
      await writeNumbers(tx, own);
      await writeExtensions(tx, own);
      const userWrites: UserWrite[] = [];
      for (const draft of own) {
        const result = finish(draft, company.defaultAreaCode);
        outcomes.set(draft.user.id, result.outcome);
        if (result.outcome.type !== "erased") userWrites.push({ draft, ...result });
      }
      await writeUsers(tx, userWrites);
      await eraseUsers(tx, own);
      await writeSeatsAndCharges(tx, companyId, seatWrites, own);
    }
    await beforeCommit?.();
    return outcomes;
  });
}
