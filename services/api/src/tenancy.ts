import { type Database, schema } from "@scimline/db";
import type { DeactivationBreaker, LicenseType } from "@scimline/domain";
import { and, eq, isNull } from "drizzle-orm";
import { TtlCache } from "./ttl-cache.ts";

/**
 * Who a SCIM request acts for: the directory of its token, that directory's company, and what the
 * directory may see (docs/decisions/0011-directories-master-adoption-breaker.md).
 */
export type ScimPrincipal = {
  tokenId: string;
  directoryId: string;
  companyId: string;
  /** The company's master directory: it sees and manages every user of the company. */
  master: boolean;
  /** Sees (by filter and id) and adopts users of its domains owned by other directories. */
  adoptExisting: boolean;
  /** Lower-case email domains it creates users in; empty: unrestricted. */
  domains: string[];
  /** When the token stops authenticating; null: never. */
  expiresAt: Date | null;
};

export type CompanyContext = {
  id: string;
  autoPurchaseLicenses: boolean;
  licenseTypes: LicenseType[];
  /** The mass-deactivation breaker; null: off. */
  deactivationBreaker: DeactivationBreaker | null;
};

/**
 * Token and company look-ups, cached for a few seconds so the door's write is its
 * only round trip (docs/decisions/0005-group-commit-at-the-door.md). Admin changes in this process invalidate at once.
 */
export class Tenancy {
  private readonly tokens: TtlCache<string, ScimPrincipal | null>;
  private readonly unknownTokens: TtlCache<string, true>;
  private readonly companies: TtlCache<string, CompanyContext | null>;

  constructor(
    private readonly database: Database,
    ttlMs: number,
  ) {
    // Reloaded in the background at 80% of their time, while in use and for a minute after: the door
    // does not wait for them, not even when a directory's next burst begins. Revocation still takes
    // effect within ttlMs (a value is never served longer after its load began).
    const warm = { refreshAfterMs: ttlMs * 0.8, keepWarmMs: 60_000 };
    this.tokens = new TtlCache(ttlMs, warm);
    this.unknownTokens = new TtlCache(ttlMs);
    this.companies = new TtlCache(ttlMs, warm);
  }

  /**
   * The directory a token was issued for, by the token's SHA-256 (hashToken: the door hashes each token
   * once, and the cache never holds the token itself); unknown tokens in a cache of their own, so a flood
   * of them never pushes out the known ones.
   */
  async principal(tokenHash: string): Promise<ScimPrincipal | null> {
    if (this.unknownTokens.peek(tokenHash)) return null;
    const principal = await this.tokens.get(tokenHash, () => this.lookup(tokenHash));
    if (!principal) {
      this.tokens.delete(tokenHash);
      await this.unknownTokens.get(tokenHash, async () => true);
    }
    return principal;
  }

  /** Whether a token (by its hash) is known and cached: no database look-up would be needed. */
  isCached(tokenHash: string): boolean {
    return this.tokens.peek(tokenHash) !== undefined;
  }

  private async lookup(tokenHash: string): Promise<ScimPrincipal | null> {
    const { scimTokens, directories } = schema;
    const [row] = await this.database.db
      .select({
        tokenId: scimTokens.id,
        directoryId: scimTokens.directoryId,
        companyId: scimTokens.companyId,
        master: directories.master,
        adoptExisting: directories.adoptExisting,
        domains: directories.domains,
        expiresAt: scimTokens.expiresAt,
      })
      .from(scimTokens)
      .innerJoin(directories, eq(directories.id, scimTokens.directoryId))
      .where(and(eq(scimTokens.tokenHash, tokenHash), isNull(scimTokens.revokedAt)));
    return row ?? null;
  }

  company(companyId: string): Promise<CompanyContext | null> {
    return this.companies.get(companyId, async () => {
      const { db } = this.database;
      const [company] = await db
        .select({
          id: schema.companies.id,
          autoPurchaseLicenses: schema.companies.autoPurchaseLicenses,
          deactivationBreaker: schema.companies.deactivationBreaker,
        })
        .from(schema.companies)
        .where(eq(schema.companies.id, companyId));
      if (!company) return null;
      const licenseTypes = await db
        .select({
          id: schema.licenseTypes.id,
          name: schema.licenseTypes.name,
          monthlyPriceCents: schema.licenseTypes.monthlyPriceCents,
          assignsDid: schema.licenseTypes.assignsDid,
        })
        .from(schema.licenseTypes)
        .where(eq(schema.licenseTypes.companyId, companyId))
        .orderBy(schema.licenseTypes.createdAt, schema.licenseTypes.name);
      return { ...company, licenseTypes };
    });
  }

  /** After an admin change: drop what this process cached (other processes catch up within the TTL). */
  invalidateCompany(companyId: string): void {
    this.companies.delete(companyId);
  }

  /** Tokens carry their directory's flags: a directory change drops them too. */
  invalidateTokens(): void {
    this.tokens.clear();
    this.unknownTokens.clear();
  }
}
