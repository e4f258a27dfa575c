import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type Received = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The envelope, when the signature verified with the path's secret. */
  event: { id: string; at: string; type: string; userId: string | null; data: Record<string, unknown> } | null;
  verified: boolean;
};

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
};

/** Verifies a delivery as a receiver would, with `standardwebhooks`' own verifier; true when it passes. */
export function verifies(secret: string, received: Pick<Received, "headers" | "body">): boolean {
  try {
    new Webhook(secret).verify(received.body, {
      "webhook-id": header(received.headers, "webhook-id"),
      "webhook-timestamp": header(received.headers, "webhook-timestamp"),
      "webhook-signature": header(received.headers, "webhook-signature"),
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * A webhook receiver on 127.0.0.1: each path (one per webhook under test) has its secret and
 * answers 204 to a delivery whose signature verifies, 400 to one that does not. `mode` makes it
 * answer 500 instead; `down()` closes the port (connection refused) until `up()`.
 */
export async function startReceiver() {
  const secrets = new Map<string, string>();
  const received: Received[] = [];
  let mode: "ok" | "error" = "ok";
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const path = req.url ?? "/";
          if (mode === "error") {
            res.writeHead(500, { "content-type": "text/plain" }).end("receiver is having a bad day\n\u0000boom");
            return;
          }
          const body = Buffer.concat(chunks).toString("utf8");
          const secret = secrets.get(path);
          const verified = secret !== undefined && verifies(secret, { headers: req.headers, body });
          received.push({ path, headers: req.headers, body, event: verified ? JSON.parse(body) : null, verified });
          res.writeHead(verified ? 204 : 400).end();
        });
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();

  return {
    received,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    get port() {
      return port;
    },
    /** What arrived at a path and verified, in arrival order. */
    at: (path: string) => received.filter((r) => r.path === path && r.verified),
    expect(path: string, secret: string) {
      secrets.set(path, secret);
    },
    setMode(next: "ok" | "error") {
      mode = next;
    },
    /** Connection refused from now on (open keep-alive connections are cut too). */
    async down() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: listen,
    close() {
      return this.down();
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
