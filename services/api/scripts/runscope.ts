import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * Runs Okta's own SCIM 2.0 "SPEC test" (a Runscope export, docs/IDENTITY-PROVIDERS.md) step by
 * step: a client nobody on the team wrote. Supports what that file uses: request steps
 * with {{variables}}, variables taken from responses, and its assertion comparisons.
 */
type Assertion = { comparison: string; source: string; value: string | null; property?: string };
type Step = {
  step_type: string;
  note?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string[]>;
  body?: string;
  assertions?: Assertion[];
  variables?: Array<{ source: string; name: string; property: string }>;
};

export type StepResult = { note: string; status: number; failures: string[] };
export type Fetcher = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Response>;

const fill = (text: string, vars: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? `{{${k}}}`);

function property(json: unknown, path: string): unknown {
  let current: unknown = json;
  for (const part of path.split(".").flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function check(a: Assertion, status: number, json: unknown, ms: number, vars: Record<string, string>): string | null {
  const actual =
    a.source === "response_status" ? status : a.source === "response_time" ? ms : property(json, a.property ?? "");
  const expected = a.value === null ? null : fill(a.value, vars);
  const label = `${a.source}${a.property ? ` ${a.property}` : ""} ${a.comparison} ${expected ?? ""}`;
  const ok = (() => {
    switch (a.comparison) {
      case "equal_number":
        return Number(actual) === Number(expected);
      case "equal":
        return String(actual) === expected;
      case "not_empty":
        return (
          actual !== undefined && actual !== null && actual !== "" && !(Array.isArray(actual) && actual.length === 0)
        );
      case "has_value":
      case "contains":
        return Array.isArray(actual)
          ? actual.includes(expected)
          : typeof actual === "string" && actual.includes(expected ?? "");
      case "is_a_number":
        return typeof actual === "number";
      case "is_less_than":
        return Number(actual) < Number(expected);
      default:
        return false;
    }
  })();
  return ok ? null : `${label} (got ${JSON.stringify(actual)})`;
}

/** The variables Okta's SPEC test expects, fresh for one run against `base`. */
export function oktaSpecVariables(base: string, token: string): Record<string, string> {
  const suffix = randomUUID().slice(0, 8);
  return {
    SCIMBaseURL: base,
    auth: `Bearer ${token}`,
    InvalidUserEmail: `nobody-${suffix}@example.com`,
    UserIdThatDoesNotExist: randomUUID(),
    randomEmail: `Runscope${suffix}@atko.com`,
    randomUsername: `Runscope${suffix}@atko.com`,
    randomUsernameCaps: `RUNSCOPE${suffix.toUpperCase()}@ATKO.COM`,
    randomGivenName: `Given${suffix}`,
    randomFamilyName: `Family${suffix}`,
  };
}

export async function runOktaSpecTest(
  file: string,
  fetcher: Fetcher,
  initial: Record<string, string>,
): Promise<StepResult[]> {
  const spec = JSON.parse(readFileSync(file, "utf8")) as { steps: Step[] };
  const vars = { ...initial };
  const results: StepResult[] = [];
  for (const step of spec.steps) {
    if (step.step_type !== "request" || !step.method || !step.url) continue;
    const headers = Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, fill(v[0] ?? "", vars)]));
    const started = performance.now();
    const res = await fetcher(fill(step.url, vars), {
      method: step.method,
      headers,
      ...(step.body ? { body: fill(step.body, vars) } : {}),
    });
    const ms = performance.now() - started;
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    const failures = (step.assertions ?? [])
      .map((a) => check(a, res.status, json, ms, vars))
      .filter((f): f is string => f !== null);
    for (const v of step.variables ?? []) {
      const value = property(json, v.property);
      if (value !== undefined) vars[v.name] = String(value);
    }
    results.push({ note: step.note ?? `${step.method} ${step.url}`, status: res.status, failures });
  }
  return results;
}
