import { graphAddress, graphIdOf, resourceKind } from "../cluster/addresses.ts";
import { storageRootOf } from "../cluster/config/header.ts";
import { parseClusterConfig } from "../cluster/config/parse.ts";
import { CLUSTER_RECOVERIES_DIR, CLUSTER_STATE_FILE } from "../cluster/constants.ts";
import { type Diagnostic, error, hasErrors, warning } from "../cluster/diagnostics.ts";
import { embeddingProviderDigest } from "../cluster/digests.ts";
import type { EmbeddingProfile } from "../cluster/records/embeddingProfile.ts";
import type { ClusterState, StateResource } from "../cluster/records/state.ts";
import { sortedEntries } from "../cluster/records/zodText.ts";
import { ClusterStore } from "../cluster/store/ClusterStore.ts";
import type { WorkTree } from "../cluster/worktree.ts";
import type { Process } from "../world/process.ts";

/**
 * Layer 1 of serve boot (spec §5.1): the serving snapshot, read from the ledger and the
 * catalog blobs alone. Read-only: no lock, no sweep, no write of any kind.
 */
export interface ServingGraph {
  readonly graph_id: string;
  /** The derived graph root as upstream prints it (a plain path locally, a URI on S3). */
  readonly root: string;
  /** The same root as a key prefix in the world's object store (what the engine opens). */
  readonly key: string;
  readonly embedding: EmbeddingProfile | null;
}

export interface ServingQuery {
  readonly graph_id: string;
  readonly name: string;
  readonly source: string;
}

export interface ServingPolicy {
  readonly name: string;
  /** Bundle content, digest-verified: the server never re-reads the catalog. */
  readonly source: string;
  /** Normalized bindings (`cluster`, `graph.<g>`), minus graphs quarantined at this layer. */
  readonly applies_to: readonly string[];
}

export type ServingSnapshot =
  | {
      readonly ok: true;
      readonly graphs: readonly ServingGraph[];
      readonly queries: readonly ServingQuery[];
      readonly policies: readonly ServingPolicy[];
      /** Applied graphs left out because a valid sidecar names them, sorted. */
      readonly quarantined: readonly string[];
      /** Startup warnings (`cluster_recovery_pending`). */
      readonly diagnostics: readonly Diagnostic[];
    }
  | {
      readonly ok: false;
      /** The cluster-fatal findings, in the order found. */
      readonly errors: readonly Diagnostic[];
      /** Startup warnings reported alongside them (none on the sidecar-listing exit). */
      readonly diagnostics: readonly Diagnostic[];
    };

export interface ServingSource {
  /**
   * Upstream's `--cluster` argument: a config directory, or (containing `://`) a storage
   * root read without any config.
   */
  readonly clusterRoot: string;
  /** The operator's working tree, read only for `cluster.yaml`'s `storage:` key. */
  readonly workTree?: WorkTree;
  /**
   * The model maps every location onto one object store relative to a config directory
   * (src/cluster/store/locations.ts). A storage-root argument has no config directory, so
   * this names the one the cluster was applied from; it only matters for `file://` roots.
   */
  readonly anchorDir?: string;
}

/**
 * Store selection (spec §5.1): a `scheme://` argument is the root itself; otherwise the
 * config dir's `storage:` key decides, and a config that does not parse is ignored here
 * (validation reports it elsewhere), leaving the config dir as the root.
 */
export async function openServingStore(
  proc: Process,
  source: ServingSource,
): Promise<{ ok: true; store: ClusterStore } | { ok: false; diagnostic: Diagnostic }> {
  let configDir = source.clusterRoot;
  let storageRoot: string | null = null;
  if (source.clusterRoot.includes("://")) {
    configDir = source.anchorDir ?? "/";
    storageRoot = source.clusterRoot.replace(/\/+$/, "");
  } else if (source.workTree !== undefined) {
    const parsed = await parseClusterConfig(source.workTree, source.clusterRoot);
    storageRoot = parsed.raw === null ? null : storageRootOf(parsed.raw);
  }
  const selected = ClusterStore.select(proc, configDir, storageRoot);
  return selected.ok
    ? { ok: true, store: selected.value }
    : { ok: false, diagnostic: selected.diagnostic };
}

export async function readServingSnapshot(
  proc: Process,
  source: ServingSource,
): Promise<ServingSnapshot> {
  const opened = await openServingStore(proc, source);
  if (!opened.ok) return { ok: false, errors: [opened.diagnostic], diagnostics: [] };
  return readSnapshotWithStore(opened.store);
}

export async function readSnapshotWithStore(store: ClusterStore): Promise<ServingSnapshot> {
  if (store.proc.world.hasDefect("serve-refuses-any-sidecar")) return readSnapshotPreFix(store);
  const errors: Diagnostic[] = [];
  const startup: Diagnostic[] = [];
  const quarantined = new Set<string>();

  // The listing's findings are warnings for every other command; here serving cannot
  // bound their blast radius, so each one is cluster-fatal.
  const listing: Diagnostic[] = [];
  const sidecars = await store.sidecars.list(listing);
  for (const d of listing) errors.push({ ...d, severity: "error" });
  for (const [uri, sidecar] of sidecars) {
    if (sidecar.graph_id.trim() === "") {
      errors.push(
        error(
          "cluster_recovery_unattributed",
          uri,
          "recovery sidecar has no graph id; run a state-mutating cluster command to sweep it before serving",
        ),
      );
      continue;
    }
    quarantined.add(sidecar.graph_id);
    startup.push(
      warning(
        "cluster_recovery_pending",
        graphAddress(sidecar.graph_id),
        `graph \`${sidecar.graph_id}\` is quarantined because interrupted operation \`${sidecar.operation_id}\` awaits recovery; run any state-mutating cluster command (e.g. \`cluster apply\`) to sweep`,
      ),
    );
  }
  if (hasErrors(errors)) return { ok: false, errors, diagnostics: [] };

  const state = await readLedger(store, errors);
  if (state === null) return { ok: false, errors, diagnostics: startup };

  const resources = sortedEntries(state.applied_revision.resources);
  // Only providers some served graph binds must be usable: a broken profile nobody needs
  // must not keep the healthy graphs from serving.
  const required = new Set<string>();
  for (const [address, entry] of resources) {
    const kind = resourceKind(address);
    if (
      kind.kind === "graph" &&
      !quarantined.has(kind.graph) &&
      entry.embedding_provider !== undefined
    ) {
      required.add(entry.embedding_provider);
    }
  }
  const profiles = checkProviderProfiles(resources, (a) => required.has(a), errors);
  const {
    graphs,
    queries,
    policies,
    sawGraph,
    errors: walkErrors,
  } = await emitResources(store, resources, quarantined, profiles, "post-fix");
  errors.push(...walkErrors);

  const quarantinedApplied = resources
    .map(([a]) => resourceKind(a))
    .flatMap((k) => (k.kind === "graph" && quarantined.has(k.graph) ? [k.graph] : []));
  if (graphs.length === 0) {
    if (sawGraph && quarantined.size > 0) {
      errors.push(
        error(
          "cluster_no_healthy_graphs",
          CLUSTER_RECOVERIES_DIR,
          "all applied graphs are quarantined by pending recovery sidecars; run any state-mutating cluster command (e.g. `cluster apply`) to sweep, then retry",
        ),
      );
    } else {
      errors.push(clusterEmpty());
    }
  }
  if (hasErrors(errors)) return { ok: false, errors, diagnostics: startup };
  return {
    ok: true,
    graphs,
    queries,
    policies,
    quarantined: quarantinedApplied,
    diagnostics: startup,
  };
}

function clusterEmpty(): Diagnostic {
  return error(
    "cluster_empty",
    CLUSTER_STATE_FILE,
    "the applied revision records no graphs; apply a cluster with at least one graph before serving from it",
  );
}

async function readLedger(store: ClusterStore, errors: Diagnostic[]): Promise<ClusterState | null> {
  const read = await store.ledger.read(store.observations());
  if (!read.ok) {
    errors.push(read.diagnostic);
    return null;
  }
  if (read.value.state === null) {
    errors.push(
      error(
        "cluster_state_missing",
        CLUSTER_STATE_FILE,
        "no cluster state ledger; run `cluster import` and `cluster apply` first",
      ),
    );
    return null;
  }
  return read.value.state;
}

type Resources = ReadonlyArray<readonly [string, StateResource]>;

/** The usable applied profiles among the providers `wanted` selects; the rest are errors. */
function checkProviderProfiles(
  resources: Resources,
  wanted: (address: string) => boolean,
  errors: Diagnostic[],
): Map<string, EmbeddingProfile> {
  const profiles = new Map<string, EmbeddingProfile>();
  for (const [address, entry] of resources) {
    if (resourceKind(address).kind !== "embedding_provider" || !wanted(address)) continue;
    const profile = entry.embedding_profile;
    if (profile === undefined) {
      errors.push(
        error(
          "embedding_provider_profile_missing",
          address,
          "no applied embedding provider profile recorded; re-run `cluster apply` to backfill",
        ),
      );
      continue;
    }
    const actual = embeddingProviderDigest(profile);
    if (actual !== entry.digest) {
      errors.push(
        error(
          "embedding_provider_digest_mismatch",
          address,
          `applied embedding provider profile does not match its recorded digest (actual sha256:${actual}); run \`cluster refresh\` then \`cluster apply\`, and restart`,
        ),
      );
      continue;
    }
    profiles.set(address, profile);
  }
  return profiles;
}

/** Walks the ledger in address order and emits what is served (spec §5.1 step 4). */
async function emitResources(
  store: ClusterStore,
  resources: Resources,
  quarantined: ReadonlySet<string>,
  profiles: ReadonlyMap<string, EmbeddingProfile>,
  variant: "post-fix" | "pre-fix",
): Promise<{
  graphs: ServingGraph[];
  queries: ServingQuery[];
  policies: ServingPolicy[];
  sawGraph: boolean;
  errors: Diagnostic[];
}> {
  const errors: Diagnostic[] = [];
  const graphs: ServingGraph[] = [];
  const queries: ServingQuery[] = [];
  const policies: ServingPolicy[] = [];
  let sawGraph = false;
  for (const [address, entry] of resources) {
    const kind = resourceKind(address);
    switch (kind.kind) {
      case "graph": {
        sawGraph = true;
        if (quarantined.has(kind.graph)) break;
        let embedding: EmbeddingProfile | null = null;
        const bound = entry.embedding_provider;
        if (bound !== undefined) {
          if (resourceKind(bound).kind !== "embedding_provider") {
            errors.push(
              error(
                "wrong_kind_reference",
                address,
                `graph embedding_provider expects \`provider.embedding.<name>\`, got \`${bound}\``,
              ),
            );
          } else {
            const profile = profiles.get(bound);
            if (profile === undefined) {
              errors.push(
                error(
                  "embedding_provider_missing",
                  address,
                  `graph references \`${bound}\`, but no applied embedding provider profile is available; re-run \`cluster apply\``,
                ),
              );
            } else {
              embedding = profile;
            }
          }
        }
        graphs.push(servingGraph(store, kind.graph, embedding));
        break;
      }
      case "query": {
        if (quarantined.has(kind.graph)) break;
        const read = await store.payloads.readVerified(kind, entry.digest, address);
        if (read.ok) queries.push({ graph_id: kind.graph, name: kind.name, source: read.value });
        else errors.push(read.diagnostic);
        break;
      }
      case "policy": {
        if (entry.applies_to === undefined) {
          errors.push(policyBindingsMissing(address));
          break;
        }
        const appliesTo = entry.applies_to.filter((b) => {
          const g = graphIdOf(b);
          return g === null || !quarantined.has(g);
        });
        // A bundle bound only to quarantined graphs has nothing to govern: its blob is
        // not even read, so a problem with it cannot fail the boot.
        if (variant === "post-fix" && appliesTo.length === 0) break;
        const read = await store.payloads.readVerified(kind, entry.digest, address);
        if (read.ok) policies.push({ name: kind.name, source: read.value, applies_to: appliesTo });
        else errors.push(read.diagnostic);
        break;
      }
      default:
        break;
    }
  }
  return { graphs, queries, policies, sawGraph, errors };
}

function servingGraph(
  store: ClusterStore,
  graphId: string,
  embedding: EmbeddingProfile | null,
): ServingGraph {
  const root = store.graphRoot(graphId);
  return { graph_id: graphId, root, key: store.keyOf(root) ?? "", embedding };
}

function policyBindingsMissing(address: string): Diagnostic {
  return error(
    "policy_bindings_missing",
    address,
    "no applied applies_to bindings recorded (ledger predates binding metadata); re-run `cluster apply` to backfill",
  );
}

/**
 * Known-bad variant `serve-refuses-any-sidecar` (spec §7.1): the snapshot before #284. Any
 * parsed sidecar refuses the whole cluster; listing findings stay warnings (so a malformed
 * sidecar is simply not seen); every provider entry must carry a usable profile; nothing
 * is quarantined.
 */
async function readSnapshotPreFix(store: ClusterStore): Promise<ServingSnapshot> {
  const found: Diagnostic[] = [];
  const sidecars = await store.sidecars.list(found);
  if (sidecars.length > 0) {
    found.push(
      error(
        "cluster_recovery_pending",
        CLUSTER_RECOVERIES_DIR,
        `${sidecars.length} interrupted operation(s) await recovery; run any state-mutating cluster command (e.g. \`cluster apply\`) to sweep, then retry`,
      ),
    );
  }
  const state = await readLedger(store, found);
  const split = (): ServingSnapshot => ({
    ok: false,
    errors: found.filter((d) => d.severity === "error"),
    diagnostics: found.filter((d) => d.severity !== "error"),
  });
  if (state === null) return split();
  const resources = sortedEntries(state.applied_revision.resources);
  const profiles = checkProviderProfiles(resources, () => true, found);
  const emitted = await emitResources(store, resources, new Set(), profiles, "pre-fix");
  found.push(...emitted.errors);
  if (emitted.graphs.length === 0) found.push(clusterEmpty());
  if (hasErrors(found)) return split();
  return {
    ok: true,
    graphs: emitted.graphs,
    queries: emitted.queries,
    policies: emitted.policies,
    quarantined: [],
    diagnostics: [],
  };
}
