import { createServer, type IncomingMessage, type ServerResponse as NodeResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isDeath } from "../../world/process.ts";
import { handle, type ServerResponse } from "../handler.ts";
import type { ServerRegistry } from "../registry.ts";

/**
 * Real I/O: a `node:http` listener over the pure handler. Kept apart from the model so the
 * simulator never needs a socket; tests bind it to 127.0.0.1 port 0.
 */
export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface RunningHttpServer {
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/** Upstream's default request-body limit. */
const BODY_LIMIT_BYTES = 1_048_576;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > BODY_LIMIT_BYTES) throw new BodyTooLarge();
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function send(res: NodeResponse, r: ServerResponse): void {
  if (r.json === null) {
    res.writeHead(r.status, { "content-length": "0" });
    res.end();
    return;
  }
  const text = JSON.stringify(r.json);
  res.writeHead(r.status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

async function serve(
  registry: ServerRegistry,
  req: IncomingMessage,
  res: NodeResponse,
): Promise<void> {
  let body: string;
  try {
    body = new TextDecoder("utf-8", { fatal: true }).decode(await readBody(req));
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      send(res, { status: 413, json: null });
      return;
    }
    send(res, {
      status: 400,
      json: {
        error: "invalid stored-query invocation body: stream did not contain valid UTF-8",
        code: "bad_request",
      },
    });
    return;
  }
  try {
    const r = await handle(registry, {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: headersOf(req),
      body,
    });
    send(res, r);
  } catch (e) {
    // A dead server process answers nothing: the connection just drops.
    if (isDeath(e)) {
      req.socket.destroy();
      return;
    }
    send(res, {
      status: 500,
      json: { error: e instanceof Error ? e.message : String(e), code: "internal" },
    });
  }
}

export async function startHttpServer(
  registry: ServerRegistry,
  opts: HttpServerOptions,
): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    // Fire and forget: node:http cannot wait on a request handler, and serve answers each
    // request itself, a handler's failure as a 500 (a dead server drops the connection).
    void serve(registry, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
