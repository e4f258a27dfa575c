// pnpm exec tsx bench/tail-probe.ts [--seconds S] [--c C] [--api-args=ARGS]: what the door's slowest answers waited behind.
// The API and the bare Hono+INSERT server each take one long turn at the door (after a warm-up of both),
// each with bench/loop-gaps.mjs preloaded (every event-loop gap over LOOP_GAPS_MS and every GC pause over
// 2 ms, wall-clock). For the answers at or over each side's own p99 (the first 500 ms of a turn left
// out), it prints how many overlapped a mark-compact, only a scavenge, only a gap with no collection in
// it (a wave of work), or nothing the server's loop shows (the load generator or the database).
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  adminClient,
  benchArgs,
  freshDatabase,
  load,
  nodeArgs,
  oktaBody,
  percentile,
  root,
  serviceEnv,
  startNode,
  stop,
  waitHealthy,
} from "./lib.ts";
import { setupCompany } from "./seed.ts";

const { values: o } = parseArgs({
  args: benchArgs(),
  options: {
    seconds: { type: "string", default: "8" },
    c: { type: "string", default: "100" },
    "api-args": { type: "string", default: "" },
  },
});
const apiDir = join(root, "services/api");
const env = { ...serviceEnv(await freshDatabase("scimline_bench_tail")), LOOP_GAPS_MS: "4", LOOP_GAPS_DIR: "/tmp" };
const PORT = Number(process.env.BENCH_PORT ?? 8380);
const preload = ["--import", join(apiDir, "bench/loop-gaps.mjs")];
const api = startNode("dist/main.js", apiDir, { ...env, PORT: String(PORT) }, [...nodeArgs(o["api-args"]), ...preload]);
await waitHealthy(`http://127.0.0.1:${PORT}/healthz`, api);
const bare = startNode(join(apiDir, "bench/bare-door.mjs"), apiDir, { ...env, PORT: String(PORT + 1) }, preload);
await waitHealthy(`http://127.0.0.1:${PORT + 1}/scim/v2/Users`, bare);

type Span = { from: number; to: number; kind: string };
const spansOf = (pid: number | undefined): Span[] => {
  const file = `/tmp/loop-gaps.${pid}.log`;
  const spans = readFileSync(file, "utf8")
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const [type, at, ms, kind] = line.split(" ");
      return { from: Number(at), to: Number(at) + Number(ms), kind: type === "gap" ? "gap" : (kind ?? "gc") };
    });
  rmSync(file);
  return spans;
};

try {
  const admin = adminClient(`http://127.0.0.1:${PORT}`, env.ADMIN_API_KEY);
  const { token } = await setupCompany(admin, { name: "Tail", seats: 0, numbers: 0, start: 100000 });
  const sides = {
    scimline: { url: `http://127.0.0.1:${PORT}/scim/v2/Users`, headers: { Authorization: `Bearer ${token}` } },
    bare: { url: `http://127.0.0.1:${PORT + 1}/scim/v2/Users`, headers: {} },
  };
  type Side = keyof typeof sides;
  const turn = async (side: Side, label: string, duration: number) => {
    const started = Date.now();
    const r = await load(sides[side].url, sides[side].headers, oktaBody(`${label}${Date.now()}`, "HQ"), {
      connections: Number(o.c),
      duration,
    });
    return r.latencies
      .map((ms, i) => ({ ms, end: started + (r.doneAtMs[i] ?? 0), since: r.doneAtMs[i] ?? 0 }))
      .filter((a) => a.since >= 500);
  };
  await turn("scimline", "warm", 2);
  await turn("bare", "warm", 2);
  const answers = {
    scimline: await turn("scimline", "tail", Number(o.seconds)),
    bare: await turn("bare", "tail", Number(o.seconds)),
  };
  await stop(api);
  await stop(bare);
  const spans = { scimline: spansOf(api.pid), bare: spansOf(bare.pid) };
  for (const side of ["scimline", "bare"] as Side[]) {
    const sorted = answers[side].map((a) => a.ms).sort((x, y) => x - y);
    const p99 = percentile(sorted, 99);
    const slow = answers[side].filter((a) => a.ms >= p99);
    const first = answers[side][0]?.end ?? 0;
    const last = answers[side].at(-1)?.end ?? 0;
    const inTurn = spans[side].filter((s) => s.to >= first - 200 && s.from <= last);
    const count = { markCompact: 0, scavengeOnly: 0, gapOnly: 0, none: 0 };
    for (const a of slow) {
      const over = inTurn.filter((s) => s.to >= a.end - a.ms && s.from <= a.end);
      if (over.some((s) => s.kind === "mark-compact")) count.markCompact++;
      else if (over.some((s) => s.kind === "scavenge")) count.scavengeOnly++;
      else if (over.some((s) => s.kind === "gap")) count.gapOnly++;
      else count.none++;
    }
    const pauses = (kind: string) => inTurn.filter((s) => s.kind === kind);
    const total = (list: Span[]) => Math.round(list.reduce((t, s) => t + s.to - s.from, 0));
    console.log(
      `${side}: ${answers[side].length} answers, p50 ${percentile(sorted, 50)} p95 ${percentile(sorted, 95)} p99 ${p99} ms; ` +
        `loop: ${pauses("gap").length} gaps ${total(pauses("gap"))} ms, ${pauses("scavenge").length} scavenges ${total(pauses("scavenge"))} ms, ` +
        `${pauses("mark-compact").length} mark-compacts ${total(pauses("mark-compact"))} ms | answers ≥ p99 (${slow.length}): ${JSON.stringify(count)}`,
    );
  }
} finally {
  await stop(api);
  await stop(bare);
}
