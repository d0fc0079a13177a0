import { graphAddress, graphIdOf } from "../cluster/addresses.ts";
import { type Diagnostic, warning } from "../cluster/diagnostics.ts";
import type { Env } from "./auth.ts";
import { type ResolvedEmbedding, resolveEmbeddingProfile } from "./embedding.ts";
import { buildQueryRegistry, type StoredQuery } from "./queries.ts";
import {
  type BootFailure,
  bootFailure,
  formatDiagnosticLine,
  type Quarantine,
  type QuarantineCode,
} from "./result.ts";
import type { ServingSnapshot } from "./snapshot.ts";

/** One graph that survived layer 2: everything layer 3 needs to open and serve it. */
export interface GraphStartupConfig {
  readonly graph_id: string;
  readonly uri: string;
  /** Store key prefix of the root. */
  readonly key: string;
  /** The graph-bound bundle's content, if one is bound. */
  readonly policy: string | null;
  readonly embedding: ResolvedEmbedding | null;
  readonly queries: readonly StoredQuery[];
}

export interface StartupSettings {
  /** Sorted by graph id. */
  readonly graphs: readonly GraphStartupConfig[];
  /** The cluster-bound bundle's content, if one is bound. */
  readonly serverPolicy: string | null;
  readonly requireAllGraphs: boolean;
  /** Layer 1 and 2 quarantines. */
  readonly quarantined: readonly Quarantine[];
  /** Startup warnings, then a warning per layer-2 quarantine. */
  readonly diagnostics: readonly Diagnostic[];
}

export type SettingsOutcome =
  | { readonly ok: true; readonly settings: StartupSettings }
  | { readonly ok: false; readonly failure: BootFailure };

type Ok = Extract<ServingSnapshot, { ok: true }>;

/** Quarantine entries for the graphs the snapshot left out because of sidecars. */
function layerOneQuarantines(snapshot: Ok): Quarantine[] {
  return snapshot.quarantined.map((graphId) => ({
    graph_id: graphId,
    layer: 1,
    code: "cluster_recovery_pending",
    reason: snapshot.diagnostics
      .filter((d) => d.code === "cluster_recovery_pending" && d.path === graphAddress(graphId))
      .map((d) => d.message)
      .join("; "),
  }));
}

export function quarantineWarning(q: Quarantine): Diagnostic {
  return warning(q.code, graphAddress(q.graph_id), q.reason);
}

/**
 * Layer 2 (spec §5.2): strict mode, policy bindings to scopes, and per-graph stored-query
 * registries and embedding configs. Graph-local failures quarantine the graph unless boot
 * is strict; binding problems are cluster-global.
 */
export function loadStartupSettings(
  snapshot: Ok,
  env: Env,
  opts: {
    readonly requireAllGraphs: boolean;
    readonly clusterRoot: string;
    readonly preFix: boolean;
    /** Defect `bundle-bound-twice-conflicts`: a bundle governing two graphs is a conflict. */
    readonly sharedBundleConflicts?: boolean;
    /** Defect `mock-provider-needs-key`: a mock profile's missing api key is unresolved. */
    readonly mockProviderNeedsKey?: boolean;
  },
): SettingsOutcome {
  const quarantined = layerOneQuarantines(snapshot);
  const diagnostics: Diagnostic[] = [...snapshot.diagnostics];
  const fail = (code: Parameters<typeof bootFailure>[0], message: string): SettingsOutcome => ({
    ok: false,
    failure: bootFailure(code, message, quarantined, diagnostics),
  });
  // Before #284 there was no strict mode: every problem already refused the boot.
  const strict = opts.requireAllGraphs && !opts.preFix;

  if (strict && snapshot.diagnostics.length > 0) {
    return fail(
      "strict_startup_diagnostics",
      `strict cluster boot requires every applied graph to be ready; startup diagnostics:\n  ${snapshot.diagnostics.map(formatDiagnosticLine).join("\n  ")}`,
    );
  }

  // One bundle per scope: stacking bundles is refused rather than silently merged.
  let serverPolicy: string | null = null;
  const graphPolicies = new Map<string, string>();
  for (const policy of snapshot.policies) {
    const graphBindings = policy.applies_to.flatMap((b) => graphIdOf(b) ?? []);
    if (opts.sharedBundleConflicts === true && graphBindings.length > 1) {
      return fail(
        "policy_binding_conflict",
        `multiple policy bundles bind graph '${graphBindings[1]}'; cluster-mode serving supports one bundle per scope — split or merge bundles`,
      );
    }
    for (const binding of policy.applies_to) {
      const graphId = graphIdOf(binding);
      if (binding === "cluster") {
        if (serverPolicy !== null) {
          return fail(
            "policy_binding_conflict",
            "multiple policy bundles bind the cluster scope; cluster-mode serving supports one bundle per scope — split or merge bundles",
          );
        }
        serverPolicy = policy.source;
      } else if (graphId !== null) {
        if (graphPolicies.has(graphId)) {
          return fail(
            "policy_binding_conflict",
            `multiple policy bundles bind graph '${graphId}'; cluster-mode serving supports one bundle per scope — split or merge bundles`,
          );
        }
        graphPolicies.set(graphId, policy.source);
      } else {
        return fail(
          "policy_binding_unrecognized",
          `unrecognized policy binding '${binding}' in the applied revision`,
        );
      }
    }
  }

  const graphs: GraphStartupConfig[] = [];
  const skipped: string[] = [];
  const quarantine = (graphId: string, code: QuarantineCode, reason: string) => {
    const q: Quarantine = { graph_id: graphId, layer: 2, code, reason };
    quarantined.push(q);
    diagnostics.push(quarantineWarning(q));
    skipped.push(`${graphId}: ${reason}`);
  };
  for (const graph of snapshot.graphs) {
    const registry = buildQueryRegistry(
      snapshot.queries.filter((q) => q.graph_id === graph.graph_id),
    );
    if (!registry.ok) {
      const details = registry.errors.join("\n  ");
      if (opts.preFix) {
        return fail(
          "stored_queries_invalid",
          `stored queries in the applied revision failed to parse:\n  ${details}\nrun \`cluster refresh\` then \`cluster apply\`, and restart`,
        );
      }
      quarantine(
        graph.graph_id,
        "stored_queries_invalid",
        `stored queries failed to parse: ${details}`,
      );
      continue;
    }
    let embedding: ResolvedEmbedding | null = null;
    if (graph.embedding !== null) {
      const resolved = resolveEmbeddingProfile(graph.embedding, env, {
        mockNeedsKey: opts.mockProviderNeedsKey === true,
      });
      if (!resolved.ok) {
        const reason = `embedding provider for graph '${graph.graph_id}': ${resolved.message}`;
        if (opts.preFix) return fail("embedding_provider_unresolved", reason);
        quarantine(graph.graph_id, "embedding_provider_unresolved", reason);
        continue;
      }
      embedding = resolved.value;
    }
    graphs.push({
      graph_id: graph.graph_id,
      uri: graph.root,
      key: graph.key,
      policy: graphPolicies.get(graph.graph_id) ?? null,
      embedding,
      queries: registry.queries,
    });
  }
  // "Nothing left" is checked before strictness, as upstream does: a strict boot whose
  // every graph failed reports the emptiness, not the strictness.
  if (graphs.length === 0) {
    const list = skipped.length > 0 ? ` (quarantined: ${skipped.join(", ")})` : "";
    return fail(
      "no_healthy_graphs",
      `the cluster at '${opts.clusterRoot}' has no healthy graphs to serve${list}`,
    );
  }
  if (strict && skipped.length > 0) {
    return fail(
      "strict_settings_quarantine",
      `strict cluster boot requires every graph to build startup settings (quarantined: ${skipped.join(", ")})`,
    );
  }
  return {
    ok: true,
    settings: {
      graphs,
      serverPolicy,
      requireAllGraphs: opts.requireAllGraphs,
      quarantined,
      diagnostics,
    },
  };
}
