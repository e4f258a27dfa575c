// What the ops console's live view costs during a burst: replays the events of an N-user burst into
// a database of its own, at the rate the burst bench measured (the door ~1,400 creates/s, the worker
// ~1,100 users/s, ~6 events per user), from a child process, while one LiveSampler reads every
// second. Prints the sampler's readings and the CPU it took: its own process, and its Postgres
// backend (from /proc, the one connection the sampler uses).
// `pnpm --filter @scimline/api live-view:cost [-- --n 10000]`
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createDb, ensureDatabase, runMigrations } from "@scimline/db";
import pino from "pino";
import { LiveSampler } from "../src/ops/live-sampler.ts";

const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { n: { type: "string", default: "10000" }, url: { type: "string" } },
  allowPositionals: true,
});
const n = Number(values.n);
const base = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/scimline";
const url = values.url ?? base.replace(/\/[^/]*$/, "/scimline_liveview");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** An array literal, for statements whose parameter types postgres.js cannot learn before sending. */
const literal = (values: readonly string[]) => `{${values.join(",")}}`;
const WORKER_EVENTS = [
  "user.office_matched",
  "seat.reused",
  "number.assigned",
  "extension.assigned",
  "user.provisioned",
];

/** The child: the burst's writes, as the door's group commits and the worker's batches make them. */
async function load(): Promise<void> {
  const { sql, close } = createDb(url, { max: 6 });
  const company = crypto.randomUUID();
  const ids = Array.from({ length: n }, () => crypto.randomUUID());
  let accepted = 0;
  const door = async () => {
    const started = Date.now();
    for (let i = 0; i < n; i += 25) {
      const chunk = ids.slice(i, i + 25);
      await sql`
        with u as (
          insert into users (id, company_id, directory_id, user_name, active, resource, license_type_id, office_hints)
          select id, ${company}::uuid, ${company}::uuid, id::text, true, '{}', ${company}::uuid, '{}' from unnest(${literal(chunk)}::uuid[]) id
          returning id, company_id)
        insert into events (company_id, user_id, type, data) select company_id, id, 'user.accepted', '{}' from u`;
      accepted = i + chunk.length;
      const due = started + (accepted / 1400) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  };
  const worker = async () => {
    await sleep(300);
    const started = Date.now();
    for (let i = 0; i < n; i += 50) {
      while (accepted < Math.min(n, i + 50)) await sleep(5);
      const chunk = ids.slice(i, i + 50);
      await sql.begin(async (tx) => {
        await tx`update users set status = 'active' where id = any(${literal(chunk)}::uuid[])`;
        await tx`
          insert into events (company_id, user_id, type, data)
          select ${company}::uuid, id, t, '{}' from unnest(${literal(chunk)}::uuid[]) id
            cross join unnest(${literal(WORKER_EVENTS)}::text[]) with ordinality as e(t, k) order by id, k`;
      });
      const due = started + ((i + 50) / 1100) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  };
  await Promise.all([door(), worker()]);
  await close();
}

/** utime + stime of a process, in ms (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const admin = createDb(base, { max: 1 });
  await admin.sql.unsafe("drop database if exists scimline_liveview");
  await admin.close();
  await ensureDatabase(url);
  await runMigrations(url);
  const db = createDb(url, { max: 1 });
  const [backend] = await db.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
  const pid = backend?.pid ?? 0;
  const sampler = new LiveSampler({ sql: db.sql, queue: null, logger: pino({ level: "silent" }) });
  const measure = async (label: string, run: () => Promise<void>) => {
    const [pg0, js0, t0] = [cpuMs(pid), ownCpu(), Date.now()];
    const ticks0 = sampler.view().sampler.ticks;
    await run();
    const ticks = sampler.view().sampler.ticks - ticks0;
    const pg = cpuMs(pid) - pg0;
    const js = ownCpu() - js0;
    const s = (Date.now() - t0) / 1000;
    console.log(
      `${label}: ${ticks} readings in ${s.toFixed(1)} s; Postgres ${pg.toFixed(0)} ms CPU (${(pg / ticks).toFixed(2)} ms a reading, ${((100 * pg) / (s * 1000)).toFixed(2)}% of a core); sampler process ${js.toFixed(0)} ms CPU (${(js / ticks).toFixed(2)} ms a reading)`,
    );
  };
  sampler.start();
  await sampler.ready();
  await measure("idle", async () => {
    await sleep(10_000);
  });
  await measure(`burst of ${n} users`, async () => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, process.argv[1] ?? "", "load", "--n", String(n), "--url", url],
      {
        stdio: "inherit",
      },
    );
    await new Promise((resolve) => child.on("exit", resolve));
    await sleep(3000);
  });
  const view = sampler.view();
  console.log(
    `events read: ${view.summary.accepted} accepted, ${view.summary.provisioned} provisioned (of ${n}); readings: avg ${view.sampler.avgTickMs.toFixed(1)} ms, max ${view.sampler.maxTickMs} ms wall, ${view.sampler.avgRows.toFixed(0)} rows on average (last 60); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  await sampler.stop();
  await db.close();
}

if (positionals[0] === "load") await load();
else await main();
