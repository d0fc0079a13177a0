import type { WorkTree } from "../cluster/worktree.ts";
import { compareStrings } from "../util/json.ts";
import type { Process } from "../world/process.ts";
import {
  bearerTokensFromEnv,
  classifyRuntimeState,
  ENV_REQUIRE_ALL_GRAPHS,
  ENV_UNAUTHENTICATED,
  envFlag,
} from "./auth.ts";
import { summarizeEmbedding } from "./embedding.ts";
import { openGraphs } from "./open.ts";
import type { ServerRegistry } from "./registry.ts";
import {
  type BootResult,
  bootFailure,
  formatDiagnosticLine,
  type Quarantine,
  type ReadyGraph,
} from "./result.ts";
import { loadStartupSettings } from "./settings.ts";
import { readServingSnapshot } from "./snapshot.ts";

export interface BootOptions {
  /**
   * Upstream's `--cluster`: a config directory (its `cluster.yaml` may relocate storage)
   * or a storage-root URI. Omitted: the world's own cluster, `DEFAULT_CLUSTER_ROOT`.
   * `null` is a server started without `--cluster`, which refuses to boot.
   */
  readonly clusterRoot?: string | null;
  /** Where `cluster.yaml` is read from when `clusterRoot` is a config directory. */
  readonly workTree?: WorkTree;
  /** See `ServingSource.anchorDir`. */
  readonly anchorDir?: string;
  /** `--require-all-graphs`; the environment can also turn it on, never off. */
  readonly strict?: boolean;
  /** `--unauthenticated`; likewise. */
  readonly unauthenticated?: boolean;
}

/** The data a boot produced, and (when ready) the registry requests are served from. */
export interface BootOutcome {
  readonly result: BootResult;
  readonly registry: ServerRegistry | null;
}

function byGraph(a: Quarantine, b: Quarantine): number {
  return compareStrings(a.graph_id, b.graph_id) || a.layer - b.layer;
}

function failed(result: Extract<BootResult, { kind: "failed" }>): BootOutcome {
  return {
    result: { ...result, quarantined: [...result.quarantined].sort(byGraph) },
    registry: null,
  };
}

/**
 * The config directory the model's cluster is taken to live in when none is named. A config
 * directory's cluster is stored at the store root whatever the directory is called
 * (src/cluster/store/locations.ts), so this only shapes displayed paths and URIs.
 */
export const DEFAULT_CLUSTER_ROOT = "/cluster";

/** Boots and returns only the data (what the simulator records). */
export async function bootServer(proc: Process, opts: BootOptions = {}): Promise<BootResult> {
  return (await bootServerWithRegistry(proc, opts)).result;
}

/**
 * `omnigraph-server --cluster …` as a process of the world: the serving snapshot, the
 * startup settings, the runtime-state check, then opening every graph. Never writes cluster
 * state; the only writes are engine recovery's, inside the read-write opens. Death
 * propagates (use `World.run` to turn it into data).
 */
export async function bootServerWithRegistry(
  proc: Process,
  opts: BootOptions = {},
): Promise<BootOutcome> {
  const env = proc.world.env;
  const preFix = proc.world.hasDefect("serve-refuses-any-sidecar");
  if (opts.clusterRoot === null) {
    return failed(
      bootFailure(
        "cluster_required",
        "omnigraph-server boots from a cluster: pass --cluster <dir|s3://…> (the cluster's applied revision is the deployment artifact)",
        [],
        [],
      ),
    );
  }
  const clusterRoot = opts.clusterRoot ?? DEFAULT_CLUSTER_ROOT;

  const snapshot = await readServingSnapshot(proc, {
    clusterRoot,
    ...(opts.workTree !== undefined ? { workTree: opts.workTree } : {}),
    ...(opts.anchorDir !== undefined ? { anchorDir: opts.anchorDir } : {}),
  });
  if (!snapshot.ok) {
    const all = [...snapshot.errors, ...snapshot.diagnostics];
    return failed(
      bootFailure(
        "cluster_not_ready",
        `the cluster at '${clusterRoot}' is not ready to serve:\n  ${all.map(formatDiagnosticLine).join("\n  ")}`,
        [],
        all,
      ),
    );
  }

  const requireAllGraphs = opts.strict === true || envFlag(env, ENV_REQUIRE_ALL_GRAPHS);
  const settings = loadStartupSettings(snapshot, env, {
    requireAllGraphs,
    clusterRoot,
    preFix,
    sharedBundleConflicts: proc.world.hasDefect("bundle-bound-twice-conflicts"),
    mockProviderNeedsKey: proc.world.hasDefect("mock-provider-needs-key"),
  });
  if (!settings.ok) return failed(settings.failure);
  const s = settings.settings;

  const tokens = bearerTokensFromEnv(env);
  if (!tokens.ok) {
    return failed(
      bootFailure("bearer_tokens_invalid", tokens.message, s.quarantined, s.diagnostics),
    );
  }
  const hasPolicy = s.serverPolicy !== null || s.graphs.some((g) => g.policy !== null);
  const allowUnauthenticated = opts.unauthenticated === true || envFlag(env, ENV_UNAUTHENTICATED);
  const runtime = classifyRuntimeState(tokens.tokens.length > 0, hasPolicy, allowUnauthenticated);
  if (!runtime.ok) {
    return failed(bootFailure(runtime.code, runtime.message, s.quarantined, s.diagnostics));
  }

  const opened = await openGraphs(
    proc,
    s,
    { tokens: tokens.tokens, runtimeState: runtime.state },
    preFix,
  );
  if (!opened.ok) return failed(opened.failure);
  const registry = opened.registry;
  const graphs: ReadyGraph[] = [...registry.graphs.values()].map((h) => ({
    graph_id: h.graph_id,
    uri: h.uri,
    queries: [...h.queries.keys()],
    policy: h.policy !== null,
    embedding: h.embedding === null ? null : summarizeEmbedding(h.embedding),
  }));
  return {
    result: {
      kind: "ready",
      graphs,
      quarantined: [...opened.quarantined].sort(byGraph),
      server_policy: registry.serverPolicy !== null,
      runtime_state: registry.runtimeState,
      require_all_graphs: requireAllGraphs,
      diagnostics: [...opened.diagnostics],
    },
    registry,
  };
}
