import { type Database, hashToken, schema } from "@scimline/db";
import type { LicenseType } from "@scimline/domain";
import { and, eq, isNull } from "drizzle-orm";
import { TtlCache } from "./ttl-cache.ts";

/** Who a SCIM request acts for: the directory of its token, and that directory's company. */
export type ScimPrincipal = { tokenId: string; directoryId: string; companyId: string };

export type CompanyContext = {
  id: string;
  autoPurchaseLicenses: boolean;
  licenseTypes: LicenseType[];
};

/**
 * Token and company look-ups, cached for a few seconds so the door's write is its
 * only round trip (PERFORMANCE.md). Admin changes in this process invalidate at once.
 */
export class Tenancy {
  private readonly tokens: TtlCache<string, ScimPrincipal | null>;
  private readonly companies: TtlCache<string, CompanyContext | null>;

  constructor(
    private readonly database: Database,
    ttlMs: number,
  ) {
    this.tokens = new TtlCache(ttlMs);
    this.companies = new TtlCache(ttlMs);
  }

  principal(token: string): Promise<ScimPrincipal | null> {
    // Keyed by the token itself (process memory only, never stored or logged): a hit costs
    // no SHA-256. The database only ever sees and keeps the hash.
    return this.tokens.get(token, async () => {
      const tokenHash = hashToken(token);
      const { db } = this.database;
      const [row] = await db
        .select({
          tokenId: schema.scimTokens.id,
          directoryId: schema.scimTokens.directoryId,
          companyId: schema.scimTokens.companyId,
        })
        .from(schema.scimTokens)
        .where(and(eq(schema.scimTokens.tokenHash, tokenHash), isNull(schema.scimTokens.revokedAt)));
      return row ?? null;
    });
  }

  company(companyId: string): Promise<CompanyContext | null> {
    return this.companies.get(companyId, async () => {
      const { db } = this.database;
      const [company] = await db
        .select({ id: schema.companies.id, autoPurchaseLicenses: schema.companies.autoPurchaseLicenses })
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

  invalidateTokens(): void {
    this.tokens.clear();
  }
}
