import { Batcher, type Database, insertUsers, newId } from "@scimline/db";
import type { ScimPrincipal } from "../../tenancy.ts";
import { pgError } from "../pg-errors.ts";
import { ACCEPTED, insertUser, NEW_USER_COLUMNS, type NewUser, newUserRow } from "./user-store.ts";

type Create = { id: string; principal: ScimPrincipal; user: NewUser };
type Outcome = { type: "created"; id: string; createdAt: Date } | { type: "failed"; error: unknown };

const DEADLOCK_DETECTED = "40P01";

/**
 * The rows of a batch travel as one jsonb parameter (insertUsers), so the protocol's parameter count no
 * longer bounds a batch; its size does: at most this many bodies of up to 1 MiB each in one statement.
 */
export const MAX_DOOR_BATCH = 1000;

export type UserInserterOptions = {
  /** Creates per statement (default 64). */
  maxSize?: number;
  /** Statements in flight at once (default 1); creates arriving meanwhile form the next one. */
  maxConcurrent?: number;
};

/**
 * Group commit at the door: concurrent creates go to the database as ONE statement
 * (users, their outbox rows and events, one round trip), so the API's event loop and Postgres pay
 * per batch what they paid per request. Each request still gets its own exact answer.
 */
export class UserInserter {
  private sent = 0;
  private readonly batcher: Batcher<Create, Outcome>;

  constructor(
    private readonly database: Database,
    options: UserInserterOptions = {},
  ) {
    const maxSize = options.maxSize ?? 64;
    if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > MAX_DOOR_BATCH) {
      throw new RangeError(`maxSize must be an integer in 1..${MAX_DOOR_BATCH}`);
    }
    this.batcher = new Batcher((creates) => this.run(creates), {
      maxSize,
      maxConcurrent: options.maxConcurrent ?? 1,
    });
  }

  /** Batch statements sent so far (not the one-by-one retries), for tests and metrics. */
  get statements(): number {
    return this.sent;
  }

  /** Resolves with the new user's id, or rejects as insertUser would (409 uniqueness, connection errors). */
  async insert(principal: ScimPrincipal, user: NewUser): Promise<{ id: string; createdAt: Date }> {
    const outcome = await this.batcher.submit({ id: newId(), principal, user });
    if (outcome.type === "failed") throw outcome.error;
    return { id: outcome.id, createdAt: outcome.createdAt };
  }

  /** Never throws: a failed statement fails each of its creates with the statement's error. */
  private async run(creates: Create[]): Promise<Map<Create, Outcome>> {
    const outcomes = new Map<Create, Outcome>();
    let inserted: Map<string, Date>;
    try {
      this.sent++;
      inserted = await this.insertMany(creates);
    } catch (error) {
      // Duplicates crossing those of another writer can deadlock a multi-row insert: then
      // every create is retried alone below, where each gets its own answer.
      if (pgError(error).code !== DEADLOCK_DETECTED) {
        for (const create of creates) outcomes.set(create, { type: "failed", error });
        return outcomes;
      }
      inserted = new Map();
    }
    const conflicted: Create[] = [];
    for (const create of creates) {
      const createdAt = inserted.get(create.id);
      if (createdAt) outcomes.set(create, { type: "created", id: create.id, createdAt });
      else conflicted.push(create);
    }
    // A row skipped by `on conflict do nothing` (taken in the database, or earlier in this
    // batch) is retried alone, so its request gets the exact answer: the 409 that names the attribute.
    await Promise.all(
      conflicted.map(async (create) => {
        try {
          const row = await insertUser(this.database, create.principal, create.user);
          outcomes.set(create, { type: "created", ...row });
        } catch (error) {
          outcomes.set(create, { type: "failed", error });
        }
      }),
    );
    return outcomes;
  }

  /** The batch as one statement; returns the ids the database took, with their created_at. */
  private async insertMany(creates: Create[]): Promise<Map<string, Date>> {
    const rows = creates.map(({ id, principal, user }) => newUserRow(id, principal, user));
    // Bounded: every create behind this batch waits for it (maxConcurrent), so a statement that never
    // settled would stall the door; given up, its creates answer 503 and the IdP retries them.
    const returned = await this.database.settleWithin(
      insertUsers(this.database.sql, rows, NEW_USER_COLUMNS, { skipConflicts: true, events: [ACCEPTED] }),
    );
    return new Map(returned.map((r) => [r.id, new Date(r.created_at)]));
  }
}
