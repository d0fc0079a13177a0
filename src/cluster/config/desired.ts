import type { EmbeddingProfile } from "../records/embeddingProfile.ts";

export type ResourceSummaryKind = "graph" | "schema" | "query" | "policy" | "embedding_provider";

export interface ResourceSummary {
  readonly address: string;
  readonly kind: ResourceSummaryKind;
  readonly digest: string;
  /** The working-tree file the digest covers (none for graphs and providers). */
  readonly path?: string;
}

export interface Dependency {
  readonly from: string;
  readonly to: string;
}

export interface DesiredGraph {
  readonly id: string;
  /** Empty when the schema file could not be read. */
  readonly schemaDigest: string;
  readonly embeddingProvider: string | null;
}

/** The desired revision computed from the working tree (spec §2.1). */
export interface DesiredCluster {
  readonly configDir: string;
  readonly configDigest: string;
  readonly storageRoot: string | null;
  readonly stateLock: boolean;
  /** `provider.embedding.<n>` → declared profile. */
  readonly embeddingProviders: ReadonlyMap<string, EmbeddingProfile>;
  /** In graph-id order. */
  readonly graphs: readonly DesiredGraph[];
  /** Address → digest, sorted by address. */
  readonly resourceDigests: ReadonlyMap<string, string>;
  /** Sorted by address. */
  readonly resources: readonly ResourceSummary[];
  /** Sorted by (from, to), deduplicated. */
  readonly dependencies: readonly Dependency[];
  /** `policy.<n>` → normalized bindings, sorted and deduplicated. */
  readonly policyBindings: ReadonlyMap<string, readonly string[]>;
}

export function sourcePathOf(desired: DesiredCluster, address: string): string | undefined {
  return desired.resources.find((r) => r.address === address)?.path;
}
