// What this machine has and how to act on it: commands on the PATH, root or sudo, apt-get,
// Debian's Postgres clusters, a Docker engine.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const log = (line) => console.log(`setup: ${line}`);

export const has = (command) => spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;

/** Runs a command, its output shown; throws with `what` when it fails. */
export function run(argv, what) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ["inherit", "inherit", "inherit"] });
  if (result.status !== 0)
    throw new Error(`${what} failed: \`${argv.join(" ")}\` exited ${result.status ?? result.signal}`);
}

let privilege;
/**
 * How to run a command as root: `[]` when we are root, `["sudo"]` when sudo works without a password
 * or can ask for one on a terminal, `null` when neither.
 */
export function asRoot() {
  if (privilege !== undefined) return privilege;
  if (process.getuid?.() === 0) privilege = [];
  else if (!has("sudo")) privilege = null;
  else if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) privilege = ["sudo"];
  else privilege = process.stdin.isTTY ? ["sudo"] : null;
  return privilege;
}

/** Installs Debian packages with apt-get; false when there is no apt-get or no way to be root. */
export function aptInstall(packages) {
  const root = asRoot();
  if (!has("apt-get") || root === null) return false;
  log(`installing ${packages.join(", ")} with apt-get (a minute or two on a fresh machine)`);
  const apt = [...root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"];
  run([...apt, "update", "-qq"], "apt-get update");
  run([...apt, "install", "-y", "-qq", ...packages], "apt-get install");
  return true;
}

/** Debian's Postgres clusters (`pg_lsclusters`): version, name, port, whether it runs. */
export function debianClusters() {
  if (!has("pg_lsclusters")) return [];
  const out = spawnSync("pg_lsclusters", ["-h"], { encoding: "utf8" }).stdout ?? "";
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [version, name, port, status] = line.trim().split(/\s+/);
      return { version, name, port: Number(port), online: status === "online" };
    });
}

export const postgresInstalled = () => debianClusters().length > 0 || has("postgres") || has("pg_ctl");

/** `pg_ctlcluster VERSION NAME ACTION`, through systemd when it runs the machine. */
export function pgCtlCluster(cluster, action) {
  const root = asRoot();
  if (root === null) return false;
  const redirect = existsSync("/run/systemd/system") ? [] : ["--skip-systemctl-redirect"];
  run([...root, "pg_ctlcluster", ...redirect, cluster.version, cluster.name, action], `pg_ctlcluster ${action}`);
  return true;
}

/**
 * A cluster we have just installed takes connections from 127.0.0.1 and ::1 with `trust`, as the
 * project's URLs carry no password (Debian's default asks for one over TCP).
 */
export function trustLocalConnections(cluster) {
  const root = asRoot();
  if (root === null) return;
  const hba = `/etc/postgresql/${cluster.version}/${cluster.name}/pg_hba.conf`;
  const sed =
    "s/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\\.0\\.0\\.1\\/32|::1\\/128)[[:space:]]+)[a-z0-9-]+/\\1trust/";
  run([...root, "sed", "-i", "-E", sed, hba], `editing ${hba}`);
  log(`${hba}: trust for connections from 127.0.0.1 and ::1 (a new cluster, for this project's password-less URLs)`);
  if (debianClusters().find((c) => c.version === cluster.version && c.name === cluster.name)?.online) {
    pgCtlCluster(cluster, "reload");
  }
}

/** True when `docker compose` can reach a Docker engine. */
export function dockerEngine() {
  if (!has("docker")) return false;
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 });
  const compose = spawnSync("docker", ["compose", "version"], { stdio: "ignore", timeout: 10_000 });
  return info.status === 0 && compose.status === 0;
}
