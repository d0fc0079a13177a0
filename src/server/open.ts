import type { Diagnostic } from "../cluster/diagnostics.ts";
import { errorText } from "../cluster/diagnostics.ts";
import type { Process } from "../world/process.ts";
import { rethrowDeath } from "../world/process.ts";
import { StoreError } from "../world/store/ObjectStore.ts";
import type { BearerToken, RuntimeState } from "./auth.ts";
import { EngineError, openGraph } from "./engine.ts";
import { PolicyEngine } from "./policy.ts";
import { checkQueriesAgainst, type ServedQuery } from "./queries.ts";
import { type GraphHandle, graphIdProblem, type ServerRegistry } from "./registry.ts";
import { type BootFailure, bootFailure, type Quarantine, type QuarantineCode } from "./result.ts";
import { type GraphStartupConfig, quarantineWarning, type StartupSettings } from "./settings.ts";

export type OpenOutcome =
  | {
      readonly ok: true;
      readonly registry: ServerRegistry;
      /** Layers 1–3. */
      readonly quarantined: readonly Quarantine[];
      readonly diagnostics: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly failure: BootFailure };

type GraphOpen =
  | { readonly ok: true; readonly handle: GraphHandle }
  | { readonly ok: false; readonly code: QuarantineCode; readonly reason: string };

/** Engine and store failures are a graph's problem; anything else is a bug in the model. */
function failureText(e: unknown): string {
  rethrowDeath(e);
  if (e instanceof EngineError || e instanceof StoreError) return errorText(e);
  throw e;
}

/**
 * One graph (upstream `open_single_graph`): the server's id rule, a read-write open (so
 * engine recovery of a half-finished schema apply runs here), the stored queries against
 * the live catalog, then the graph-bound bundle.
 */
async function openOne(proc: Process, cfg: GraphStartupConfig): Promise<GraphOpen> {
  const idProblem = graphIdProblem(cfg.graph_id);
  if (idProblem !== null) {
    return {
      ok: false,
      code: "graph_id_invalid",
      reason: `graph id '${cfg.graph_id}': ${idProblem}`,
    };
  }
  let graph: Awaited<ReturnType<typeof openGraph>>;
  try {
    graph = await openGraph(proc, cfg.key, "read_write");
  } catch (e) {
    return {
      ok: false,
      code: "graph_open_failed",
      reason: `open graph '${cfg.graph_id}' at ${cfg.uri}: ${failureText(e)}`,
    };
  }
  const checked = checkQueriesAgainst(cfg.graph_id, cfg.queries, graph.catalog());
  if (!checked.ok)
    return { ok: false, code: "stored_query_typecheck_failed", reason: checked.message };
  let policy: PolicyEngine | null = null;
  if (cfg.policy !== null) {
    const loaded = PolicyEngine.loadGraph(cfg.policy, cfg.graph_id);
    if (!loaded.ok) return { ok: false, code: "graph_policy_invalid", reason: loaded.message };
    if (!proc.world.hasDefect("graph-policy-not-attached")) policy = loaded.value;
  }
  const queries = new Map<string, ServedQuery>();
  for (const q of checked.queries) queries.set(q.name, q);
  return {
    ok: true,
    handle: {
      graph_id: cfg.graph_id,
      uri: cfg.uri,
      graph,
      policy,
      queries,
      embedding: cfg.embedding,
    },
  };
}

/**
 * Layer 3 (spec §5.3 steps 2–5): the server-level bundle, then every graph. Upstream opens
 * up to four graphs at once; the model opens them one at a time in id order, so a boot's
 * store calls (and any recovery writes) come in a reproducible order.
 */
export async function openGraphs(
  proc: Process,
  settings: StartupSettings,
  auth: { readonly tokens: readonly BearerToken[]; readonly runtimeState: RuntimeState },
  preFix: boolean,
): Promise<OpenOutcome> {
  const quarantined = [...settings.quarantined];
  const diagnostics = [...settings.diagnostics];
  let serverPolicy: PolicyEngine | null = null;
  if (settings.serverPolicy !== null) {
    const loaded = PolicyEngine.loadServer(settings.serverPolicy);
    if (!loaded.ok) {
      return {
        ok: false,
        failure: bootFailure("server_policy_invalid", loaded.message, quarantined, diagnostics),
      };
    }
    serverPolicy = loaded.value;
  }

  const handles = new Map<string, GraphHandle>();
  const configured = settings.graphs.length;
  let failed = 0;
  for (const cfg of settings.graphs) {
    const r = await openOne(proc, cfg);
    if (r.ok) {
      handles.set(cfg.graph_id, r.handle);
      continue;
    }
    // Before #284 the first failure refused the whole boot, and no later graph was opened.
    if (preFix) {
      return {
        ok: false,
        failure: bootFailure("graph_open_failed", r.reason, quarantined, diagnostics),
      };
    }
    failed++;
    const q: Quarantine = { graph_id: cfg.graph_id, layer: 3, code: r.code, reason: r.reason };
    quarantined.push(q);
    diagnostics.push(quarantineWarning(q));
  }
  if (settings.requireAllGraphs && !preFix && failed > 0) {
    return {
      ok: false,
      failure: bootFailure(
        "strict_open_failed",
        `strict multi-graph startup requires every graph to open (${configured} configured, ${failed} failed)`,
        quarantined,
        diagnostics,
      ),
    };
  }
  if (handles.size === 0) {
    return {
      ok: false,
      failure: bootFailure(
        "no_graphs_opened",
        `no healthy graphs opened from multi-graph startup config (${configured} configured, ${failed} failed)`,
        quarantined,
        diagnostics,
      ),
    };
  }
  return {
    ok: true,
    registry: {
      proc,
      graphs: handles,
      tokens: auth.tokens,
      serverPolicy,
      runtimeState: auth.runtimeState,
    },
    quarantined,
    diagnostics,
  };
}
