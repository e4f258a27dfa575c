import { describe, expect, test } from "vitest";
import {
  adopts,
  createsInDomain,
  type DirectoryClaim,
  domainConflicts,
  otherMaster,
  ownerMayWrite,
  userDomain,
} from "./directories.ts";

describe("userDomain: after the @ of the userName, else of the email", () => {
  test.each<[string, string | null, string | null]>([
    ["ann@acme.com", null, "acme.com"],
    ["Ann@ACME.com", null, "acme.com"],
    ["  ann@acme.com  ", null, "acme.com"],
    ["ann@acme.com.", null, "acme.com"],
    ["ann@sales.acme.com", null, "sales.acme.com"],
    ["weird@name@acme.de", null, "acme.de"],
    ["ann@acme.com", "ann@other.org", "acme.com"],
    ["ann", "ann@acme.com", "acme.com"],
    ["ann", "Ann@Acme.COM", "acme.com"],
    ["ann", null, null],
    ["ann", "", null],
    ["ann@", "ann@acme.com", "acme.com"],
    ["ann@", null, null],
    ["@acme.com", null, "acme.com"],
    ["acme\\ann", "no-at-sign", null],
  ])("%s / %s → %s", (userName, email, expected) => {
    expect(userDomain(userName, email)).toBe(expected);
  });
});

describe("createsInDomain: a directory with domains creates users only in them", () => {
  test.each<[string[], string | null, boolean]>([
    [[], "acme.com", true],
    [[], null, true],
    [["acme.com"], "acme.com", true],
    [["acme.com", "acme.de"], "acme.de", true],
    [["acme.com"], "acme.de", false],
    [["acme.com"], "sales.acme.com", false],
    [["acme.com"], null, false],
  ])("%j, %s → %s", (domains, domain, expected) => {
    expect(createsInDomain(domains, domain)).toBe(expected);
  });
});

describe("adopts: adoptExisting covers its domains, or every user without domains", () => {
  test.each<[boolean, string[], string | null, boolean]>([
    [false, [], "acme.com", false],
    [false, ["acme.com"], "acme.com", false],
    [true, [], "acme.com", true],
    [true, [], null, true],
    [true, ["acme.com"], "acme.com", true],
    [true, ["acme.com"], "acme.de", false],
    [true, ["acme.com"], null, false],
  ])("adoptExisting %s, %j, %s → %s", (adoptExisting, domains, domain, expected) => {
    expect(adopts({ adoptExisting, domains }, domain)).toBe(expected);
  });
});

const dir = (id: string, domains: string[], flags: Partial<DirectoryClaim> = {}): DirectoryClaim => ({
  id,
  name: id.toUpperCase(),
  domains,
  master: false,
  adoptExisting: false,
  ...flags,
});

describe("domainConflicts: a domain is shared only with the master or an adopting directory", () => {
  test.each<[string, DirectoryClaim, DirectoryClaim[], string[]]>([
    ["disjoint domains", dir("a", ["acme.com"]), [dir("b", ["acme.de"])], []],
    ["same domain, plain directories", dir("a", ["acme.com"]), [dir("b", ["acme.com"])], ["acme.com:b"]],
    [
      "several shared domains are each named",
      dir("a", ["acme.com", "acme.de", "x.io"]),
      [dir("b", ["acme.de", "acme.com"])],
      ["acme.com:b", "acme.de:b"],
    ],
    ["the directory itself is master", dir("a", ["acme.com"], { master: true }), [dir("b", ["acme.com"])], []],
    ["the other is master", dir("a", ["acme.com"]), [dir("b", ["acme.com"], { master: true })], []],
    [
      "the directory adopts (a migration)",
      dir("a", ["acme.com"], { adoptExisting: true }),
      [dir("b", ["acme.com"])],
      [],
    ],
    ["the other adopts", dir("a", ["acme.com"]), [dir("b", ["acme.com"], { adoptExisting: true })], []],
    ["itself is skipped", dir("a", ["acme.com"]), [dir("a", ["acme.com"])], []],
    ["an unrestricted directory claims nothing", dir("a", []), [dir("b", ["acme.com"])], []],
    [
      "only the plain one of several conflicts",
      dir("a", ["acme.com"]),
      [
        dir("b", ["acme.com"], { master: true }),
        dir("c", ["acme.com"]),
        dir("d", ["acme.com"], { adoptExisting: true }),
      ],
      ["acme.com:c"],
    ],
  ])("%s", (_, directory, others, expected) => {
    expect(domainConflicts(directory, others).map((c) => `${c.domain}:${c.other.id}`)).toEqual(expected);
  });
});

describe("otherMaster: at most one master per company", () => {
  test.each<[string, DirectoryClaim, DirectoryClaim[], string | null]>([
    ["not a master", dir("a", []), [dir("b", [], { master: true })], null],
    ["the first master", dir("a", [], { master: true }), [dir("b", [])], null],
    ["itself, already master", dir("a", [], { master: true }), [dir("a", [], { master: true })], null],
    ["a second master", dir("a", [], { master: true }), [dir("b", []), dir("c", [], { master: true })], "c"],
  ])("%s", (_, directory, others, expected) => {
    expect(otherMaster(directory, others)?.id ?? null).toBe(expected);
  });
});

describe("ownerMayWrite: the master wins, a deactivation or delete is always applied", () => {
  test.each<[boolean, boolean, "change" | "deactivate" | "delete" | "noop", boolean]>([
    [true, true, "change", true],
    [true, false, "change", true],
    [false, false, "change", true],
    [false, true, "change", false],
    [false, true, "deactivate", true],
    [false, true, "delete", true],
    [false, true, "noop", true],
    [false, false, "deactivate", true],
  ])("master writer %s, master changed %s, %s → %s", (writerIsMaster, masterChanged, kind, expected) => {
    expect(ownerMayWrite({ writerIsMaster, masterChanged, kind })).toBe(expected);
  });
});
