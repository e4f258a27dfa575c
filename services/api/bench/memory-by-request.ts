// What one request (or a few at once) makes the API process allocate, by kind of request: the heap's peak
// above a collected baseline while the requests run, the resident set's growth, and what the heap still
// holds once they are answered (after the request log's flush), for the worst body each limit lets through
// next to an ordinary one. Starts the API (dist/main.js by default; a .ts entry runs from source through
// tsx) with bench/heap-probe.mjs preloaded on a fresh database, seeds a company (2 × --members users, half
// of them with 16,384-character displayNames, and groups of them, written straight to the database) and
// prints one line per case, then a --json line.
//   pnpm --filter @scimline/api exec tsx bench/memory-by-request.ts [--build src/main.ts] [--only a,b] [-c 8]
//     [--members 50000] [--grow 32] (PATCHes of ~1 MiB that grow one user)
// The heap's peak is sampled every 2 ms between turns of the event loop, so it counts garbage not yet
// collected too; what requests hold across their awaits (and so add up when they run at once) shows in
// -c runs. The resident set's high-water mark also sees spikes within one synchronous stretch.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { TestIdp } from "../test/helpers/sso-idp.ts";
import {
  adminClient,
  benchArgs,
  freshDatabase,
  nodeArgs,
  oktaBody,
  root,
  serviceEnv,
  stop,
  waitHealthy,
} from "./lib.ts";
import { setupCompany } from "./seed.ts";

const { values: o } = parseArgs({
  args: benchArgs(),
  options: {
    build: { type: "string", default: "dist/main.js" },
    "node-args": { type: "string", default: "" },
    only: { type: "string", default: "" },
    c: { type: "string", default: "1" },
    grow: { type: "string", default: "32" },
    members: { type: "string", default: "50000" },
    json: { type: "boolean", default: false },
  },
});
const CONCURRENCY = Number(o.c);
const MEMBERS = Number(o.members);
const GROW_MIB = Number(o.grow);
const MiB = 1024 * 1024;
const only = o.only.split(",").filter(Boolean);
const log = (line: string) => (o.json ? undefined : console.log(line));

const databaseUrl = await freshDatabase("scimline_bench_memory");
const env = { ...serviceEnv(databaseUrl), LOG_LEVEL: process.env.LOG_LEVEL ?? "error", REQUEST_LOG_FLUSH_MS: "500" };
const PORT = Number(process.env.BENCH_PORT ?? 8391);
const base = `http://127.0.0.1:${PORT}`;
const fromSource = o.build.endsWith(".ts");
const api: ChildProcess = spawn(
  process.execPath,
  [
    "--expose-gc",
    ...nodeArgs(o["node-args"]),
    ...(fromSource ? ["--import", "tsx"] : []),
    "--import",
    "./bench/heap-probe.mjs",
    o.build,
  ],
  {
    cwd: join(root, "services/api"),
    env: { ...process.env, ...env, PORT: String(PORT) },
    stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore", "inherit", "ipc"],
  },
);
type Report = {
  peakHeapMb: number;
  peakExternalMb: number;
  peakRssMb: number;
  retainedHeapMb: number;
  retainedExternalMb: number;
  heapMb: number;
};
const probe = <T>(message: "reset" | "report") =>
  new Promise<T>((resolve) => {
    api.once("message", (m) => resolve(m as T));
    api.send(message);
  });

type Request = { method: string; path: string; body?: string; type?: string; auth?: string };
type Answer = { status: number; bytes: number; code: string };

async function send(r: Request): Promise<Answer> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method,
    headers: {
      ...(r.auth ? { Authorization: r.auth } : {}),
      ...(r.body !== undefined ? { "Content-Type": r.type ?? "application/scim+json" } : {}),
    },
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const text = await res.text();
  let code = "";
  if (res.status >= 400) {
    try {
      const body = JSON.parse(text) as { scimType?: string; detail?: string; error?: { code?: string } };
      code = body.error?.code ?? body.scimType ?? body.detail?.slice(0, 60) ?? "";
    } catch {
      code = text.slice(0, 60);
    }
  }
  return { status: res.status, bytes: Buffer.byteLength(text), code };
}

type Row = Report & { case: string; requests: number; bodyMb: number; status: string; answerMb: number };
const rows: Row[] = [];
const round = (n: number) => Math.round(n * 100) / 100;

/** `n` copies of the request at once (each from `make(i)`), measured from a collected heap. */
async function measure(name: string, make: (i: number) => Request, n = CONCURRENCY): Promise<void> {
  if (only.length > 0 && !only.some((p) => name.startsWith(p))) return;
  const requests = Array.from({ length: n }, (_, i) => make(i));
  await probe("reset");
  const answers = await Promise.all(requests.map(send));
  // The request log writes its buffer every 500 ms here: what it still holds after that is kept memory.
  await new Promise((r) => setTimeout(r, 1200));
  const report = await probe<Report>("report");
  const statuses = [...new Set(answers.map((a) => `${a.status}${a.code ? ` ${a.code}` : ""}`))].join(", ");
  const row: Row = {
    case: name,
    requests: n,
    bodyMb: round(Buffer.byteLength(requests[0]?.body ?? "") / MiB),
    status: statuses,
    answerMb: round((answers[0]?.bytes ?? 0) / MiB),
    ...report,
  };
  rows.push(row);
  const amplification = row.bodyMb > 0 ? ` (${Math.round(row.peakHeapMb / n / row.bodyMb)}× the body)` : "";
  log(
    `${name.padEnd(34)} ${String(n).padStart(2)}× body ${row.bodyMb.toFixed(2).padStart(6)} MiB → ${statuses.slice(0, 60)}; answer ${row.answerMb} MiB; heap peak +${row.peakHeapMb} MB${amplification}, external +${row.peakExternalMb} MB, RSS +${row.peakRssMb} MB; after: heap +${row.retainedHeapMb} MB (heap ${row.heapMb} MB)`,
  );
}

// ---- bodies -------------------------------------------------------------------------------------------
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** Text of about `bytes` made of `unit` repeated inside `open`/`close`, separated by commas. */
const repeated = (open: string, unit: string, close: string, bytes: number) =>
  `${open}${Array(Math.floor((bytes - open.length - close.length) / (unit.length + 1)))
    .fill(unit)
    .join(",")}${close}`;
const under = (bytes: number) => bytes - 512;
/** A user body whose attribute `x` holds `raw` JSON text (the worst shapes JSON.parse builds). */
const userWith = (userName: string, raw: string) => `{"schemas":["${USER}"],"userName":"${userName}","x":${raw}}`;
const nested = (bytes: number) => `${"[".repeat(bytes / 2)}${"]".repeat(bytes / 2)}`;
/** As many empty objects as the limits per list (100 values) and per nesting (8 levels) let into ~1 MiB. */
const maxAccepted = (bytes: number) => {
  const block = `[${Array(100)
    .fill(`[${Array(100).fill("{}").join(",")}]`)
    .join(",")}]`;
  return `[${Array(Math.min(100, Math.floor(bytes / (block.length + 1))))
    .fill(block)
    .join(",")}]`;
};
/** ~1 MiB of text a user keeps: 62 strings of 16,000 characters (README: strings ≤ 16,384). */
const filler = () => Array.from({ length: 62 }, (_, i) => `${i}`.padEnd(16_000, "x"));

// ---- set-up -------------------------------------------------------------------------------------------
const admin = adminClient(base, env.ADMIN_API_KEY);
const auth = (token: string) => `Bearer ${token}`;
const adminAuth = `Bearer ${env.ADMIN_API_KEY}`;

async function seedDirectory(sql: postgres.Sql, companyId: string, n: number) {
  const [dir] = await sql<{ id: string; lt: string }[]>`
    select d.id, (select id from license_types where company_id = ${companyId} and name = 'Dialpad_Ai Voice') as lt
    from directories d where d.company_id = ${companyId}`;
  const directoryId = dir?.id ?? "";
  // Half with a short displayName, half with one of 16,384 characters (the longest a string may be).
  await sql`
    insert into users (id, company_id, directory_id, user_name, external_id, display_name, email, active, resource, license_type_id, office_hints, status)
    select gen_random_uuid(), ${companyId}, ${directoryId}, 'm.' || g || '@bench.example.com', 'ext' || g,
           case when g % 2 = 0 then 'Member ' || g else repeat('d', 16384 - length(g::text)) || g end,
           'm.' || g || '@bench.example.com', true,
           jsonb_build_object('userName', 'm.' || g || '@bench.example.com', 'active', true), ${dir?.lt ?? ""}, '{}'::jsonb, 'active'
    from generate_series(0, ${2 * n - 1}) g`;
  const group = async (name: string, where: string, limit: number) => {
    const id = randomUUID();
    await sql`insert into groups (id, company_id, directory_id, display_name) values (${id}, ${companyId}, ${directoryId}, ${name})`;
    await sql.unsafe(
      `insert into group_members (group_id, user_id)
       select $1, id from users where directory_id = $2 and ${where} order by id limit ${limit}`,
      [id, directoryId],
    );
    return id;
  };
  const shortGroup = await group("Everyone short", "length(display_name) < 100", n);
  const longGroup = await group("Everyone long", "length(display_name) > 100", n);
  // Ten groups of 2,000 long names: one list page carries 10,000 members (MAX_LIST_MEMBERS).
  for (let i = 0; i < 10; i++)
    await group(`Team long ${i}`, `length(display_name) > 100 and user_name like 'm.${i}%'`, 2000);
  await sql`vacuum analyze`;
  return { directoryId, shortGroup, longGroup };
}

try {
  await waitHealthy(`${base}/healthz`, api, 60_000);
  const { companyId, token } = await setupCompany(admin, { name: "Memory", seats: 0, numbers: 0, start: 100_000 });
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const seeding = performance.now();
  const seeded = await seedDirectory(sql, companyId, MEMBERS);
  log(`seeded ${2 * MEMBERS} users and groups in ${Math.round(performance.now() - seeding)} ms`);
  const scim = (method: string, path: string, body?: unknown): Request => ({
    method,
    path: `/scim/v2${path}`,
    auth: auth(token),
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const created = async (userName: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${base}/scim/v2/Users`, {
      method: "POST",
      headers: { Authorization: auth(token), "Content-Type": "application/scim+json" },
      body: JSON.stringify({ ...JSON.parse(oktaBody("mem", "HQ")(0)), userName, externalId: userName, ...extra }),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || !body.id) throw new Error(`create ${userName}: ${res.status} ${JSON.stringify(body)}`);
    return body.id;
  };
  const run = randomUUID().slice(0, 6);
  const okta = oktaBody(`okta${run}`, "HQ");

  // SCIM creates, replaces and PATCHes: one ordinary body, then the worst shapes within 1 MiB.
  await measure("scim create okta", (i) => scim("POST", "/Users", okta(i)));
  await measure("scim create nested 1MiB", (i) => scim("POST", "/Users", userWith(`n${run}${i}`, nested(under(MiB)))));
  await measure("scim create [{}…] 1MiB", (i) =>
    scim("POST", "/Users", userWith(`o${run}${i}`, repeated("[", "{}", "]", under(MiB)))),
  );
  await measure("scim create {k:0…} 1MiB", (i) => {
    const keys = Array.from({ length: 100_000 }, (_, k) => `"${k.toString(36)}":0`).join(",");
    return scim("POST", "/Users", userWith(`k${run}${i}`, `{${keys}}`));
  });
  await measure("scim create max-structure", (i) =>
    scim("POST", "/Users", userWith(`s${run}${i}`, maxAccepted(under(MiB)))),
  );
  await measure("scim create 1MiB of strings", (i) =>
    scim("POST", "/Users", { ...JSON.parse(okta(10_000 + i)), custom: { filler: filler() } }),
  );
  const target = await created(`target${run}@bench.example.com`);
  await measure(
    "scim put max-structure",
    () => scim("PUT", `/Users/${target}`, userWith(`target${run}@bench.example.com`, maxAccepted(under(MiB)))),
    1,
  );
  await measure(
    "scim patch 1,000 ops",
    () =>
      scim("PATCH", `/Users/${target}`, {
        schemas: [PATCH_OP],
        Operations: Array.from({ length: 1000 }, (_, i) => ({
          op: "add",
          path: `custom${i % 900}`,
          value: "x".repeat(900),
        })),
      }),
    1,
  );
  await measure(
    "scim patch nested value 1MiB",
    () =>
      scim(
        "PATCH",
        `/Users/${target}`,
        `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"x","value":${nested(under(MiB))}}]}`,
      ),
    1,
  );
  await measure(
    "scim patch [{}…] value 1MiB",
    () =>
      scim(
        "PATCH",
        `/Users/${target}`,
        `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"x","value":${repeated("[", "{}", "]", under(MiB))}}]}`,
      ),
    1,
  );

  // A user's resource grown by PATCHes of ~1 MiB each (each within every limit), then read.
  if (only.length === 0 || only.some((p) => "scim grown".startsWith(p))) {
    const grown = await created(`grown${run}@bench.example.com`);
    let refused = "";
    for (let k = 0; k < GROW_MIB && !refused; k++) {
      const res = await fetch(`${base}/scim/v2/Users/${grown}`, {
        method: "PATCH",
        headers: { Authorization: auth(token), "Content-Type": "application/scim+json" },
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "add", path: `g${k}`, value: filler() }] }),
      });
      const text = await res.text();
      if (res.status !== 200) refused = `PATCH ${k + 1}: ${res.status} ${text.slice(0, 200)}`;
    }
    const [size] = await sql<
      { mb: number }[]
    >`select octet_length(resource::text) / 1048576.0 as mb from users where id = ${grown}`;
    log(
      `a user grown by ${GROW_MIB} PATCHes: ${Math.round(Number(size?.mb ?? 0) * 10) / 10} MiB of resource${refused ? `; refused at ${refused}` : ""}`,
    );
    await measure("scim grown: GET the user", () => scim("GET", `/Users/${grown}`), 1);
    await measure(
      "scim grown: PATCH one attribute",
      () =>
        scim("PATCH", `/Users/${grown}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "replace", path: "title", value: "T" }],
        }),
      1,
    );
    await measure("scim grown: GET it, 4 at once", () => scim("GET", `/Users/${grown}`), 4);
  }

  // A directory of its own whose users each hold as many values as a user may (empty objects, the
  // costliest per byte to parse): one list page is 8 MiB of them.
  if (only.length === 0 || only.some((p) => "scim list dense".startsWith(p))) {
    const directory = await admin("POST", `/companies/${companyId}/directories`, { name: "Dense" });
    const denseToken = (await admin("POST", `/directories/${directory.id}/tokens`)).token ?? "";
    const dense = `[${Array(98)
      .fill(`[${Array(100).fill("{}").join(",")}]`)
      .join(",")}]`;
    let accepted = 0;
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${base}/scim/v2/Users`, {
        method: "POST",
        headers: { Authorization: auth(denseToken), "Content-Type": "application/scim+json" },
        body: userWith(`dense${run}.${i}@bench.example.com`, dense),
      });
      await res.text();
      if (res.status === 201) accepted++;
    }
    log(`dense users: ${accepted} of 300 accepted (${Math.round(dense.length / 1024)} KiB each)`);
    await measure(
      "scim list dense users count=1000",
      () => ({ method: "GET", path: "/scim/v2/Users?count=1000", auth: auth(denseToken) }),
      1,
    );
    await measure(
      "scim list dense users, 4 at once",
      () => ({ method: "GET", path: "/scim/v2/Users?count=1000", auth: auth(denseToken) }),
      4,
    );
  }

  // Lists and groups: Okta's import page, the page budget, a group of MEMBERS members.
  await measure("scim list users count=1000", () => scim("GET", "/Users?count=1000"), 1);
  await measure(
    "scim list users filter count=1000",
    () => scim("GET", `/Users?count=1000&filter=${encodeURIComponent('userName sw "m."')}`),
    1,
  );
  const memberIds = (
    await sql<{ id: string }[]>`select id from users where directory_id = ${seeded.directoryId} order by id limit 20000`
  ).map((r) => r.id);
  await measure(
    "scim group create 20k members",
    () => scim("POST", "/Groups", { displayName: `Big ${run}`, members: memberIds.map((value) => ({ value })) }),
    1,
  );
  await measure("scim group GET short names", () => scim("GET", `/Groups/${seeded.shortGroup}`), 1);
  await measure("scim group GET long names", () => scim("GET", `/Groups/${seeded.longGroup}`), 1);
  await measure("scim group GET long names, 3 at once", () => scim("GET", `/Groups/${seeded.longGroup}`), 3);
  await measure(
    "scim group list long names",
    () => scim("GET", `/Groups?count=100&filter=${encodeURIComponent('displayName sw "Team long"')}`),
    1,
  );
  await measure(
    "scim group PATCH short names",
    () =>
      scim("PATCH", `/Groups/${seeded.shortGroup}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "replace", path: "displayName", value: `Everyone short ${Date.now()}` }],
      }),
    1,
  );
  await measure(
    "scim group PATCH long names",
    () =>
      scim("PATCH", `/Groups/${seeded.longGroup}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "replace", path: "displayName", value: `Everyone long ${Date.now()}` }],
      }),
    1,
  );

  // Without a credential: sign-in bodies of 1 MiB.
  const idp = await TestIdp.create();
  await admin("PUT", `/companies/${companyId}/sso/saml`, { metadataXml: idp.metadataXml() });
  await measure("saml acs 1MiB form of fields", () => ({
    method: "POST",
    path: `/sso/${companyId}/saml/acs`,
    type: "application/x-www-form-urlencoded",
    body: repeated("", "a=", "", under(MiB)).replaceAll(",", "&"),
  }));
  await measure("saml acs 1MiB form, unique fields", () => {
    let k = 0;
    return {
      method: "POST",
      path: `/sso/${companyId}/saml/acs`,
      type: "application/x-www-form-urlencoded",
      body: Array.from({ length: 120_000 }, () => `${(k++).toString(36)}=`).join("&"),
    };
  });
  await measure("password sign-in nested 1MiB", () => ({
    method: "POST",
    path: `/auth/${companyId}/password`,
    type: "application/json",
    body: `{"userName":"a","password":"b","x":${nested(under(MiB))}}`,
  }));
  await measure("password sign-in [{}…] 1MiB", () => ({
    method: "POST",
    path: `/auth/${companyId}/password`,
    type: "application/json",
    body: `{"userName":"a","password":"b","x":${repeated("[", "{}", "]", under(MiB))}}`,
  }));

  // The admin API (the admin key): the largest bodies and pages.
  await measure(
    "admin numbers 1MiB",
    () => ({
      method: "POST",
      path: `/api/v1/companies/${companyId}/numbers`,
      type: "application/json",
      auth: adminAuth,
      body: JSON.stringify({ numbers: Array.from({ length: 10_000 }, (_, i) => `+1${7_000_000_000 + i}`) }),
    }),
    1,
  );
  await measure(
    "admin nested 1MiB",
    () => ({
      method: "POST",
      path: `/api/v1/companies/${companyId}/numbers`,
      type: "application/json",
      auth: adminAuth,
      body: `{"numbers":${nested(under(MiB))}}`,
    }),
    1,
  );
  await measure(
    "admin [{}…] 1MiB",
    () => ({
      method: "POST",
      path: `/api/v1/companies/${companyId}/numbers`,
      type: "application/json",
      auth: adminAuth,
      body: `{"numbers":${repeated("[", "{}", "]", under(MiB))}}`,
    }),
    1,
  );
  const previewUsers = Array.from({ length: 10_000 }, (_, i) => JSON.parse(okta(50_000 + i)));
  await measure(
    "admin preview 10,000 okta users",
    () => ({
      method: "POST",
      path: `/api/v1/companies/${companyId}/provisioning/preview`,
      type: "application/json",
      auth: adminAuth,
      body: JSON.stringify({ users: previewUsers }),
    }),
    1,
  );
  await measure(
    "admin preview 16MiB nested users",
    () => {
      const one = nested(1600);
      return {
        method: "POST",
        path: `/api/v1/companies/${companyId}/provisioning/preview`,
        type: "application/json",
        auth: adminAuth,
        body: `{"users":[${Array(10_000).fill(one).join(",")}]}`,
      };
    },
    1,
  );
  await measure(
    "admin preview 16MiB [{}…] users",
    () => {
      const one = repeated("[", "{}", "]", 1600);
      return {
        method: "POST",
        path: `/api/v1/companies/${companyId}/provisioning/preview`,
        type: "application/json",
        auth: adminAuth,
        body: `{"users":[${Array(10_000).fill(one).join(",")}]}`,
      };
    },
    1,
  );
  await measure(
    "admin preview 16MiB csv",
    () => {
      const header = "login,firstName,lastName,email,department";
      const row = (i: number) =>
        `u${i}@x.example.com,${"F".repeat(300)},${"L".repeat(300)},u${i}@x.example.com,${"D".repeat(1000)}`;
      return {
        method: "POST",
        path: `/api/v1/companies/${companyId}/provisioning/preview`,
        type: "text/csv",
        auth: adminAuth,
        body: [header, ...Array.from({ length: 10_000 }, (_, i) => row(i))].join("\n"),
      };
    },
    1,
  );
  await measure(
    "admin request log 1,000",
    () => ({
      method: "GET",
      path: `/api/v1/directories/${seeded.directoryId}/requests?limit=1000`,
      auth: adminAuth,
    }),
    1,
  );
  await measure(
    "admin events 1,000",
    () => ({ method: "GET", path: `/api/v1/companies/${companyId}/events?limit=1000`, auth: adminAuth }),
    1,
  );
  await measure("ops console page", () => ({ method: "GET", path: "/admin", auth: adminAuth }), 1);
  await sql.end();
  console.log(JSON.stringify({ build: o.build, concurrency: CONCURRENCY, members: MEMBERS, rows }));
} finally {
  await stop(api);
}
