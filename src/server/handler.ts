import { z } from "zod";
import { describeIssues } from "../cluster/records/zodText.ts";
import { rethrowDeath } from "../world/process.ts";
import { StoreError } from "../world/store/ObjectStore.ts";
import { hashBearerToken } from "./auth.ts";
import { EngineError, runQuery } from "./engine.ts";
import { paramsFromJson } from "./params.ts";
import type { PolicyEngine, PolicyRequest } from "./policy.ts";
import { catalogEntry, isMutation } from "./queries.ts";
import {
  type GraphHandle,
  graphIdProblem,
  requiresBearerAuth,
  type ServerRegistry,
} from "./registry.ts";

/** A request as the handler sees it: header names in any case, the body as text. */
export interface ServerRequest {
  readonly method: string;
  /** The request target; a query string is ignored. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** `json: null` is an empty body (the router's bare 404/405). */
export interface ServerResponse {
  readonly status: number;
  readonly json: unknown;
}

export const SERVER_VERSION = "0.7.0";

export const ErrorCodeSchema = z.enum([
  "unauthorized",
  "forbidden",
  "bad_request",
  "not_found",
  "method_not_allowed",
  "conflict",
  "too_many_requests",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

function statusOf(code: ErrorCode): number {
  switch (code) {
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "bad_request":
      return 400;
    case "not_found":
      return 404;
    case "method_not_allowed":
      return 405;
    case "conflict":
      return 409;
    case "too_many_requests":
      return 429;
    case "internal":
      return 500;
  }
}

function apiError(code: ErrorCode, message: string): ServerResponse {
  return { status: statusOf(code), json: { error: message, code } };
}

function bare(status: 404 | 405): ServerResponse {
  return { status, json: null };
}

/**
 * The body of `POST /graphs/{id}/queries/{name}`. Unknown fields are ignored and every
 * field may be null, as upstream's serde defaults allow; the body itself may be `null`.
 */
export const InvokeBodySchema = z
  .object({
    params: z.unknown().optional(),
    branch: z.string().nullish(),
    snapshot: z.string().nullish(),
    expect_mutation: z.boolean().nullish(),
  })
  .nullable();
export type InvokeBody = NonNullable<z.infer<typeof InvokeBodySchema>>;

function parseInvokeBody(
  text: string,
): { ok: true; body: InvokeBody } | { ok: false; message: string } {
  if (text === "") return { ok: true, body: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const parsed = InvokeBodySchema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error.issues) };
  return { ok: true, body: parsed.data ?? {} };
}

function header(req: ServerRequest, name: string): string | undefined {
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

type Authn =
  | { readonly ok: true; readonly actor: string | null }
  | { readonly ok: false; readonly response: ServerResponse };

/** Bearer middleware: an actor when auth is on, none when the server is open. */
function authenticate(registry: ServerRegistry, req: ServerRequest): Authn {
  if (!requiresBearerAuth(registry)) return { ok: true, actor: null };
  const value = header(req, "authorization");
  if (value === undefined || !value.startsWith("Bearer ")) {
    return { ok: false, response: apiError("unauthorized", "missing bearer token") };
  }
  const hash = hashBearerToken(value.slice("Bearer ".length));
  // Every entry is compared, so the work does not depend on which one matches.
  let actor: string | null = null;
  for (const t of registry.tokens) if (t.tokenHash === hash && actor === null) actor = t.actor;
  if (actor === null)
    return { ok: false, response: apiError("unauthorized", "invalid bearer token") };
  return { ok: true, actor };
}

const SERVER_SCOPE_CLOSED =
  "server-scoped actions require an explicit cluster policy bundle applied with `omnigraph cluster apply` and served after restart — the management surface is closed by default in every runtime state, including --unauthenticated, so that server topology is never exposed without operator opt-in.";

const DEFAULT_DENY =
  "server runs in default-deny mode (bearer tokens configured but no applied policy bundle). Only `read` actions are permitted; configure a graph or cluster policy bundle in the cluster config, run `omnigraph cluster apply`, and restart the server to enable other actions.";

type Authz =
  | { readonly kind: "allowed" }
  | { readonly kind: "denied"; readonly message: string }
  | { readonly kind: "error"; readonly response: ServerResponse };

/** The allow/deny decision, kept apart from failures (401) so a caller can remap a denial. */
function authorize(
  actor: string | null,
  policy: PolicyEngine | null,
  request: PolicyRequest,
): Authz {
  if (policy === null) {
    if (request.action === "graph_list") return { kind: "denied", message: SERVER_SCOPE_CLOSED };
    if (actor !== null && request.action !== "read")
      return { kind: "denied", message: DEFAULT_DENY };
    return { kind: "allowed" };
  }
  if (actor === null)
    return { kind: "error", response: apiError("unauthorized", "missing bearer token") };
  const decision = policy.authorize(actor, request);
  return decision.allowed ? { kind: "allowed" } : { kind: "denied", message: decision.message };
}

function authorizeOr403(
  actor: string | null,
  policy: PolicyEngine | null,
  request: PolicyRequest,
): ServerResponse | null {
  const a = authorize(actor, policy, request);
  if (a.kind === "allowed") return null;
  return a.kind === "error" ? a.response : apiError("forbidden", a.message);
}

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * The server's routes over a booted registry. Pure apart from the store reads a query
 * makes through the server process; death propagates (a dead server answers nothing).
 */
export async function handle(
  registry: ServerRegistry,
  req: ServerRequest,
): Promise<ServerResponse> {
  registry.proc.checkAlive();
  const path = req.path.split("?")[0] ?? "";
  const method = req.method.toUpperCase();
  if (path === "/healthz") {
    return method === "GET"
      ? { status: 200, json: { status: "ok", version: SERVER_VERSION } }
      : bare(405);
  }
  if (path === "/graphs") return method === "GET" ? listGraphs(registry, req) : bare(405);

  const segs = path.split("/");
  if (segs[0] !== "" || segs[1] !== "graphs" || segs[3] !== "queries") return bare(404);
  const rawId = segs[2] ?? "";
  const id = decodeSegment(rawId);
  if (rawId === "" || id === null) return bare(404);
  if (segs.length === 4) {
    if (method !== "GET") return bare(405);
    return perGraph(registry, req, id, (h, actor) => listQueries(h, actor));
  }
  const name = segs.length === 5 ? decodeSegment(segs[4] ?? "") : null;
  if (name === null || name === "") return bare(404);
  if (method !== "POST") return bare(405);
  return perGraph(registry, req, id, (h, actor) => invokeQuery(h, actor, name, req.body));
}

async function listGraphs(registry: ServerRegistry, req: ServerRequest): Promise<ServerResponse> {
  const authn = authenticate(registry, req);
  if (!authn.ok) return authn.response;
  const refused = authorizeOr403(authn.actor, registry.serverPolicy, {
    action: "graph_list",
    branch: null,
    targetBranch: null,
  });
  if (refused !== null) return refused;
  const graphs = [...registry.graphs.values()]
    .map((h) => ({ graph_id: h.graph_id, uri: h.uri }))
    .sort((a, b) => (a.graph_id < b.graph_id ? -1 : a.graph_id > b.graph_id ? 1 : 0));
  return { status: 200, json: { graphs } };
}

/** Bearer auth first, then the graph lookup: an unknown or quarantined id is a 404. */
async function perGraph(
  registry: ServerRegistry,
  req: ServerRequest,
  id: string,
  route: (h: GraphHandle, actor: string | null) => Promise<ServerResponse>,
): Promise<ServerResponse> {
  const authn = authenticate(registry, req);
  if (!authn.ok) return authn.response;
  const problem = graphIdProblem(id);
  if (problem !== null) return apiError("bad_request", problem);
  const handle = registry.graphs.get(id);
  if (handle === undefined) return apiError("not_found", `graph '${id}' not found`);
  return route(handle, authn.actor);
}

async function listQueries(h: GraphHandle, actor: string | null): Promise<ServerResponse> {
  const refused = authorizeOr403(actor, h.policy, {
    action: "read",
    branch: "main",
    targetBranch: null,
  });
  if (refused !== null) return refused;
  return { status: 200, json: { queries: [...h.queries.values()].map(catalogEntry) } };
}

async function invokeQuery(
  h: GraphHandle,
  actor: string | null,
  name: string,
  bodyText: string,
): Promise<ServerResponse> {
  const body = parseInvokeBody(bodyText);
  if (!body.ok) {
    return apiError("bad_request", `invalid stored-query invocation body: ${body.message}`);
  }
  // A caller without `invoke_query` cannot tell a denial from a missing query.
  const NOT_FOUND = "stored query not found";
  const gate = authorize(actor, h.policy, {
    action: "invoke_query",
    branch: null,
    targetBranch: null,
  });
  if (gate.kind === "error") return gate.response;
  if (gate.kind === "denied") return apiError("not_found", NOT_FOUND);
  const stored = h.queries.get(name);
  if (stored === undefined) return apiError("not_found", NOT_FOUND);

  const { params, branch, snapshot, expect_mutation: expectMutation } = body.body;
  const mutation = isMutation(stored);
  if (expectMutation != null && expectMutation !== mutation) {
    return apiError(
      "bad_request",
      mutation
        ? `'${stored.name}' is a mutation — use omnigraph mutate ${stored.name}`
        : `'${stored.name}' is a read — use omnigraph query ${stored.name}`,
    );
  }
  if (mutation) {
    if (snapshot != null)
      return apiError("bad_request", "stored mutation cannot target a snapshot");
    return apiError(
      "bad_request",
      `stored mutation '${stored.name}' is not served by the model: its server only reads`,
    );
  }
  if (branch != null && snapshot != null) {
    return apiError("bad_request", "request may specify branch or snapshot, not both");
  }
  if (snapshot != null) {
    return apiError("bad_request", "the model server reads the head of a branch, not a snapshot");
  }
  const target = branch ?? "main";
  const refused = authorizeOr403(actor, h.policy, {
    action: "read",
    branch: target,
    targetBranch: null,
  });
  if (refused !== null) return refused;
  if (target !== "main") {
    return apiError("bad_request", `the model server reads branch 'main' only, not '${target}'`);
  }
  const converted = paramsFromJson(stored.decl.params, params);
  if (!converted.ok) return apiError("bad_request", converted.message);

  let rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
  try {
    rows = await runQuery(h.graph, stored.checked, converted.params);
  } catch (e) {
    rethrowDeath(e);
    return queryFailure(e);
  }
  const columns = [...stored.checked.columns];
  const out: Record<string, unknown> = {
    query_name: stored.name,
    target: { branch: target, snapshot: null },
    row_count: rows.length,
  };
  if (columns.length > 0) out.columns = columns;
  out.rows = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  return { status: 200, json: out };
}

/** Engine failures as upstream maps them: caller mistakes are 4xx, the rest 500. */
function queryFailure(e: unknown): ServerResponse {
  if (e instanceof EngineError) {
    switch (e.code) {
      case "query_invalid":
      case "invalid_argument":
        return apiError("bad_request", e.message);
      case "branch_not_found":
        return apiError("not_found", e.message);
      case "policy_denied":
        return apiError("forbidden", e.message);
      case "conflict":
        return apiError("conflict", e.message);
      default:
        return apiError("internal", e.message);
    }
  }
  if (e instanceof StoreError) return apiError("internal", `storage: ${e.message}`);
  throw e;
}
