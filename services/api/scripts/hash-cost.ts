// Prints what a password hash costs on this machine, and what an Okta burst costs the worker
// (Okta sends a password with every create; the worker hashes each one while nothing waits).
// `pnpm --filter @scimline/api bench:hash [-- --n 20 --burst 10000]`
import { scrypt } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { hashPassword, SCRYPT } from "@scimline/db";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: { n: { type: "string", default: "20" }, burst: { type: "string", default: "10000" } },
});
const n = Number(values.n);
const burst = Number(values.burst);

/** Wall time and CPU time (this process, all threads: scrypt runs on libuv's pool) per hash, median of n. */
async function time(run: () => Promise<unknown>): Promise<{ median: number; cpu: number }> {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const used = process.cpuUsage();
    await run();
    const spent = process.cpuUsage(used);
    wall.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((spent.user + spent.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  return { median: median(wall), cpu: median(cpu) };
}

const legacy = (N: number, r: number, p: number) => () =>
  new Promise((resolve, reject) =>
    scrypt("correct horse", "salt-salt-salt-s", 32, { N, r, p, maxmem: 256 * N * r + 2 ** 20 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );

const rows: Array<[string, { median: number; cpu: number }]> = [
  [
    `scrypt N=2^${Math.log2(SCRYPT.N)} r=${SCRYPT.r} p=${SCRYPT.p} (used)`,
    await time(() => hashPassword("correct horse")),
  ],
  ["scrypt N=2^15 r=8 p=1 (before; under OWASP's minimum)", await time(legacy(2 ** 15, 8, 1))],
  ["scrypt N=2^17 r=8 p=1 (OWASP's first choice)", await time(legacy(2 ** 17, 8, 1))],
];
console.log(
  `${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
for (const [name, t] of rows) {
  const cpuSeconds = (t.cpu * burst) / 1000;
  console.log(
    `${name}: ${t.cpu.toFixed(1)} ms of CPU per hash (${t.median.toFixed(1)} ms wall); a ${burst}-user burst: ${cpuSeconds.toFixed(0)} CPU-s, ${(cpuSeconds / 60).toFixed(1)} min of the worker's one hashing core`,
  );
}
