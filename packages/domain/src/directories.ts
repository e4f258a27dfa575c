// A company's directories own email domains; one may be the master (docs/decisions/0011-directories-master-adoption-breaker.md).

/** A directory as the domain and master rules see it. */
export type DirectoryClaim = {
  id: string;
  name: string;
  /** Lower-case domain names; empty: the directory is unrestricted. */
  domains: readonly string[];
  master: boolean;
  adoptExisting: boolean;
};

const AFTER_AT = /@([^@]+)$/;

/**
 * A user's domain: the part after the last `@` of its userName, else of its primary email;
 * lower-cased, surrounding white space and a trailing dot dropped. Null when neither has one.
 */
export function userDomain(userName: string, email: string | null | undefined): string | null {
  for (const value of [userName, email ?? ""]) {
    const match = AFTER_AT.exec(value.trim());
    const domain = match?.[1]?.trim().toLowerCase().replace(/\.$/, "");
    if (domain) return domain;
  }
  return null;
}

/** Whether a directory may create (or rename to) a user of this domain: unrestricted, or one of its own. */
export function createsInDomain(domains: readonly string[], domain: string | null): boolean {
  return domains.length === 0 || (domain !== null && domains.includes(domain));
}

/**
 * Whether a directory with `adoptExisting` may see and adopt another directory's user of this domain:
 * without domains of its own every user of the company, else those of its domains.
 */
export function adopts(directory: Pick<DirectoryClaim, "domains" | "adoptExisting">, domain: string | null): boolean {
  return directory.adoptExisting && createsInDomain(directory.domains, domain);
}

export type DomainConflict = { domain: string; directory: DirectoryClaim; other: DirectoryClaim };

/**
 * Two directories may claim the same domain only when one of them is the master or adopts existing
 * users (a migration from one identity provider to another); any other shared domain is a conflict.
 * Returns the conflicts of `directory` (as it would be after a change) with the company's others.
 */
export function domainConflicts(directory: DirectoryClaim, others: readonly DirectoryClaim[]): DomainConflict[] {
  const conflicts: DomainConflict[] = [];
  const sharingAllowed = (other: DirectoryClaim) =>
    directory.master || directory.adoptExisting || other.master || other.adoptExisting;
  for (const other of others) {
    if (other.id === directory.id || sharingAllowed(other)) continue;
    for (const domain of directory.domains) {
      if (other.domains.includes(domain)) conflicts.push({ domain, directory, other });
    }
  }
  return conflicts;
}

/** The directories a company may have at most one of: its master. The other master, if any. */
export function otherMaster(directory: DirectoryClaim, others: readonly DirectoryClaim[]): DirectoryClaim | null {
  if (!directory.master) return null;
  return others.find((o) => o.master && o.id !== directory.id) ?? null;
}

/**
 * The rule when the master and a domain directory disagree: the master wins. Once the master has
 * changed a user another directory owns, that directory's later changes are refused, except a
 * deactivation or a delete (always applied) and a request that changes nothing; an admin's move
 * hands the user back. Returns whether the owner's write may stand.
 */
export function ownerMayWrite(input: {
  writerIsMaster: boolean;
  masterChanged: boolean;
  kind: "change" | "deactivate" | "delete" | "noop";
}): boolean {
  if (input.writerIsMaster || !input.masterChanged) return true;
  return input.kind !== "change";
}
