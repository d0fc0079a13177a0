import type { Process } from "../world/process.ts";
import type { BearerToken, RuntimeState } from "./auth.ts";
import type { ResolvedEmbedding } from "./embedding.ts";
import type { Graph } from "./engine.ts";
import type { PolicyEngine } from "./policy.ts";
import type { ServedQuery } from "./queries.ts";

/** One opened, servable graph. */
export interface GraphHandle {
  readonly graph_id: string;
  readonly uri: string;
  readonly graph: Graph;
  readonly policy: PolicyEngine | null;
  /** By name, in name order. */
  readonly queries: ReadonlyMap<string, ServedQuery>;
  readonly embedding: ResolvedEmbedding | null;
}

/**
 * A booted server's state: exactly the graphs that opened, plus what authentication and
 * authorization need. Immutable after boot; picking up a repair takes a restart.
 */
export interface ServerRegistry {
  /** The server process: requests read the store through it. */
  readonly proc: Process;
  /** By graph id, in id order. */
  readonly graphs: ReadonlyMap<string, GraphHandle>;
  readonly tokens: readonly BearerToken[];
  readonly serverPolicy: PolicyEngine | null;
  readonly runtimeState: RuntimeState;
}

/** Bearer auth is required iff tokens exist or any policy (server or graph) is loaded. */
export function requiresBearerAuth(r: ServerRegistry): boolean {
  if (r.tokens.length > 0 || r.serverPolicy !== null) return true;
  for (const h of r.graphs.values()) if (h.policy !== null) return true;
  return false;
}

const GRAPH_ID = /^[a-zA-Z0-9-]{1,64}$/;
const RESERVED_GRAPH_IDS: readonly string[] = ["policies", "healthz", "openapi", "graphs"];

/**
 * The server's own graph-id rule, stricter than the cluster's: no `_` (the engine reserves
 * it at a root), and not a name a cluster route could need. Null when valid.
 */
export function graphIdProblem(id: string): string | null {
  if (id === "") return "graph_id must not be empty";
  if (id.length > 64) return `graph_id '${id}' is ${id.length} chars; max 64`;
  if (!GRAPH_ID.test(id)) {
    return `graph_id '${id}' must match ^[a-zA-Z0-9-]{1,64}$ — no underscores (engine reserves them), no path separators, no unicode`;
  }
  if (RESERVED_GRAPH_IDS.includes(id)) {
    return `graph_id '${id}' is reserved (would collide with engine-managed names or future cluster routes)`;
  }
  return null;
}
