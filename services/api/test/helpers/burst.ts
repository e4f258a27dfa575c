/** What the identity provider last asked for, among requests the door acknowledged. */
export type Desired = "active" | "suspended" | "deleted";
export type Accepted = { id: string; userName: string; desired: Desired; licenseType: string };

export type BurstStats = {
  creates: number;
  /** Every answer by status, retries included; `network` counts requests that got none. */
  byStatus: Record<string, number>;
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Creates answered 409 after an unanswered attempt: the first attempt had been written (IdPs then look it up). */
  ambiguous: number;
  /** DELETEs answered 404 on a retry after a 503: the first attempt's commit raced the fault. */
  ambiguousDeletes: number;
  /** 503s without an integer Retry-After or without a SCIM error body. */
  bad503: number;
  /** Milliseconds since the start of the first and the last 503. */
  first503: number | null;
  last503: number | null;
  /** Anything the door should never answer: a 5xx other than 503, a 4xx to a valid request, a give-up. */
  unexpected: string[];
  /** Why requests counted as `network` got no answer (the error's code or name, with the request). */
  network: string[];
  durationMs: number;
};

export type Burst = {
  /** Creates acknowledged so far (201), for a test to time its fault. */
  readonly created: number;
  /** Milliseconds since the burst started. */
  elapsed(): number;
  done: Promise<{ accepted: Accepted[]; stats: BurstStats }>;
};

export type BurstOptions = {
  /** API base URLs; request i goes to bases[i % n]. */
  bases: string[];
  token: string;
  creates: number;
  tag: string;
  concurrency?: number;
  /** Creates started per second at most (unset: as fast as the door answers), to stretch a burst over a fault. */
  ratePerSecond?: number;
  /** The first creates go unpaced (an onboarding spike), the rest at ratePerSecond. */
  spike?: number;
  /** Called with each acknowledged create, before its deactivation or delete. */
  onCreated?: (id: string) => void;
};

const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const SUPPORT = "Dialpad_Support";
const MAX_ATTEMPTS = 300;

/** User i of the burst: three offices by three match rules, one in ten a license without a DID. */
function userBody(tag: string, i: number, active = true): Record<string, unknown> {
  const userName = `${tag}.${i}@burst.example`;
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    userName,
    externalId: `${tag}-${i}`,
    name: { givenName: "Burst", familyName: `User ${i}` },
    emails: [{ primary: true, value: userName, type: "work" }],
    active,
    ...(i % 10 === 9 ? { licenseType: SUPPORT } : {}),
    ...(i % 5 === 1 ? { addresses: [{ type: "work", primary: true, country: "GB" }] } : {}),
    ...(i % 5 === 2 ? { [ENTERPRISE]: { officeName: "Berlin" } } : {}),
  };
}

type Reply = { status: number; body: Record<string, unknown>; headers: Headers } | null;

/**
 * An onboarding burst through the SCIM door, as an identity provider sends it: creates, and
 * right after some of them a deactivation (PATCH, or PUT as Okta AIW apps do) or a delete.
 * Like an IdP it retries 429, 5xx and unanswered requests, honouring Retry-After but capped at
 * 200 ms so the test stays short; every answer is counted.
 */
export function startBurst(o: BurstOptions): Burst {
  const started = Date.now();
  let created = 0;
  let next = 0;
  const accepted: Accepted[] = [];
  const stats: BurstStats = {
    creates: o.creates,
    byStatus: {},
    retried: 0,
    ambiguous: 0,
    ambiguousDeletes: 0,
    bad503: 0,
    first503: null,
    last503: null,
    unexpected: [],
    network: [],
    durationMs: 0,
  };
  const count = (key: string) => {
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
  };

  const send = async (i: number, method: string, path: string, body?: unknown): Promise<Reply> => {
    const base = o.bases[i % o.bases.length];
    try {
      const res = await fetch(`${base}/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${o.token}`, "Content-Type": "application/scim+json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { raw: text.slice(0, 200) };
      }
      return { status: res.status, body: parsed, headers: res.headers };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      stats.network.push(`${method} ${path}: ${cause?.code ?? cause?.message ?? (error as Error).name}`);
      return null;
    }
  };

  /** Sends until the door gives a definite answer; `uncertain` says an earlier attempt may have been written. */
  const definite = async (i: number, method: string, path: string, body?: unknown) => {
    let uncertain = false;
    /** Each attempt's status and when it was answered (ms into the burst), for a failure's message. */
    const attempts: string[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const reply = await send(i, method, path, body);
      count(reply ? String(reply.status) : "network");
      attempts.push(`${reply ? reply.status : "network"}@${Date.now() - started}`);
      if (reply && reply.status < 500 && reply.status !== 429) {
        if (attempt > 1) stats.retried++;
        return { reply, uncertain, attempts: attempts.join(" ") };
      }
      if (reply?.status === 503) {
        const t = Date.now() - started;
        stats.first503 ??= t;
        stats.last503 = t;
        const retryAfter = reply.headers.get("retry-after") ?? "";
        if (!/^\d+$/.test(retryAfter) || reply.body.status !== "503") stats.bad503++;
      } else if (reply && reply.status !== 429) {
        stats.unexpected.push(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
      }
      uncertain = true;
      const wait = Number(reply?.headers.get("retry-after") ?? 0) * 1000;
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(20, wait))));
    }
    stats.unexpected.push(`${method} ${path}: no definite answer after ${MAX_ATTEMPTS} attempts`);
    return null;
  };

  const lookup = async (i: number, userName: string): Promise<string | null> => {
    const filter = encodeURIComponent(`userName eq "${userName}"`);
    const found = await definite(i, "GET", `/Users?filter=${filter}`);
    const first = (found?.reply.body.Resources as Array<{ id?: string }> | undefined)?.[0];
    return first?.id ?? null;
  };

  const one = async (i: number) => {
    const body = userBody(o.tag, i);
    const userName = body.userName as string;
    const licenseType = typeof body.licenseType === "string" ? body.licenseType : "Dialpad_Ai Voice";
    const create = await definite(i, "POST", "/Users", body);
    if (!create) return;
    let id: string | null = null;
    if (create.reply.status === 201) id = create.reply.body.id as string;
    else if (create.reply.status === 409 && create.uncertain) {
      stats.ambiguous++;
      id = await lookup(i, userName);
    }
    if (!id) {
      stats.unexpected.push(`POST /Users ${userName}: ${create.reply.status} ${JSON.stringify(create.reply.body)}`);
      return;
    }
    created++;
    o.onCreated?.(id);
    const user: Accepted = { id, userName, desired: "active", licenseType };
    accepted.push(user);
    if (i % 10 === 3 || i % 20 === 5) {
      const change =
        i % 10 === 3
          ? await definite(i, "PATCH", `/Users/${id}`, {
              schemas: [PATCH_SCHEMA],
              Operations: [{ op: "replace", value: { active: false } }],
            })
          : await definite(i, "PUT", `/Users/${id}`, userBody(o.tag, i, false));
      if (change?.reply.status === 200) user.desired = "suspended";
      else {
        const tried = `create ${create.attempts}, then ${change?.attempts}`;
        stats.unexpected.push(
          `deactivate ${id} (${tried}): ${change?.reply.status} ${JSON.stringify(change?.reply.body)}`,
        );
      }
    } else if (i % 10 === 7) {
      const gone = await definite(i, "DELETE", `/Users/${id}`);
      if (gone?.reply.status === 404 && gone.uncertain) stats.ambiguousDeletes++;
      if (gone?.reply.status === 204 || (gone?.reply.status === 404 && gone.uncertain)) user.desired = "deleted";
      else {
        const tried = `create ${create.attempts}, then ${gone?.attempts}`;
        stats.unexpected.push(`delete ${id} (${tried}): ${gone?.reply.status} ${JSON.stringify(gone?.reply.body)}`);
      }
    }
  };

  const loop = async () => {
    for (let i = next++; i < o.creates; i = next++) {
      const spike = o.spike ?? 0;
      const due = o.ratePerSecond && i >= spike ? started + ((i - spike) * 1000) / o.ratePerSecond - Date.now() : 0;
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      await one(i);
    }
  };
  const done = Promise.all(Array.from({ length: o.concurrency ?? 32 }, loop)).then(() => {
    stats.durationMs = Date.now() - started;
    return { accepted, stats };
  });
  return {
    get created() {
      return created;
    },
    elapsed: () => Date.now() - started,
    done,
  };
}

/** Resolves once `check` holds; polls every 20 ms, fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, label: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
