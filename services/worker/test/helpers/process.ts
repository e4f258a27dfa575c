import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const workerDir = fileURLToPath(new URL("../..", import.meta.url));

/** The real worker process (main.ts through tsx), as operators run it. */
export function spawnWorker(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: workerDir,
    env: { ...process.env, LOG_LEVEL: "warn", NODE_ENV: "test", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
