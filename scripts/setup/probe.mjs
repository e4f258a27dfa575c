// Does a Postgres or Redis answer at a URL? Spoken at the protocol level (a startup message, a
// PING) so the set-up needs no client installed and can tell "nothing there" from "asks a password".

import { connect } from "node:net";
import { userInfo } from "node:os";

/** Host and port of a URL, with the IPv6 brackets removed. */
export function endpoint(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(u.port || defaultPort) };
}

export const isLocal = (host) => ["127.0.0.1", "localhost", "::1"].includes(host);

/** Sends `request`, feeds what comes back to `onData` until it returns a verdict; closed or silent: down. */
function converse({ host, port }, request, onData, timeoutMs = 3000) {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = connect({ host, port });
    const done = (verdict) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(verdict);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, reason: "down", detail: "no answer" }));
    socket.on("error", (error) => done({ ok: false, reason: "down", detail: error.code ?? error.message }));
    socket.on("close", () => done({ ok: false, reason: "down", detail: "connection closed" }));
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = onData(received, socket);
      if (verdict) done(verdict);
    });
  });
}

const int32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** The fields of an ErrorResponse body: `{ C: sqlstate, M: message, ... }`. */
function errorFields(body) {
  const fields = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const end = body.indexOf(0, i + 1);
    fields[String.fromCharCode(body[i])] = body.toString("utf8", i + 1, end);
    i = end + 1;
  }
  return fields;
}

/**
 * Postgres: `{ ok: true, version }` when the URL's user gets in (trust, or the URL carries a
 * password for the server to check later); else `{ ok: false, reason: down|starting|auth|error }`.
 */
export function probePostgres(url) {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || process.env.PGUSER || userInfo().username;
  const params = Buffer.from(`user\0${user}\0database\0postgres\0\0`);
  const body = Buffer.concat([int32(196608), params]);
  const startup = Buffer.concat([int32(body.length + 4), body]);
  let version = "";
  return converse(endpoint(url, 5432), startup, (data, socket) => {
    let offset = 0;
    while (data.length >= offset + 5) {
      const type = String.fromCharCode(data[offset]);
      const length = data.readInt32BE(offset + 1);
      if (data.length < offset + 1 + length) return null;
      const message = data.subarray(offset + 5, offset + 1 + length);
      offset += 1 + length;
      if (type === "R" && message.readInt32BE(0) !== 0) {
        return u.password
          ? { ok: true, version: "(password auth)" }
          : { ok: false, reason: "auth", user, detail: "asks for a password" };
      }
      if (type === "S") {
        const [name, value] = message.toString("utf8").split("\0");
        if (name === "server_version") version = value;
      }
      if (type === "E") {
        const fields = errorFields(message);
        const reason = fields.C === "57P03" ? "starting" : /^28/.test(fields.C ?? "") ? "auth" : "error";
        return { ok: false, reason, user, detail: fields.M ?? "error" };
      }
      if (type === "Z") {
        socket.write(Buffer.concat([Buffer.from("X"), int32(4)]));
        return { ok: true, version };
      }
    }
    return null;
  });
}

const resp = (...words) => `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join("")}`;

/** Redis: `{ ok: true }` on PONG (after AUTH when the URL has a password). */
export function probeRedis(url) {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  const auth = password
    ? u.username
      ? resp("AUTH", decodeURIComponent(u.username), password)
      : resp("AUTH", password)
    : "";
  return converse(endpoint(url, 6379), `${auth}${resp("PING")}`, (data) => {
    const lines = data.toString("utf8").split("\r\n").slice(0, -1);
    const error = lines.find((line) => line.startsWith("-"));
    if (error?.startsWith("-LOADING")) return { ok: false, reason: "starting", detail: error.slice(1) };
    if (error)
      return { ok: false, reason: /NOAUTH|WRONGPASS|AUTH/.test(error) ? "auth" : "error", detail: error.slice(1) };
    if (lines.includes("+PONG")) return { ok: true };
    return null;
  });
}
