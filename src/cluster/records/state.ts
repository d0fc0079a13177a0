import { z } from "zod";
import {
  type EmbeddingProfile,
  EmbeddingProfileSchema,
  profileToJson,
} from "./embeddingProfile.ts";
import type { JsonValue } from "./json.ts";
import { type ResourceStatusRecord, ResourceStatusRecordInSchema, statusToJson } from "./status.ts";
import { sortedObject, u32, u64, zMap } from "./zodText.ts";

/**
 * The ledger `__cluster/state.json` (spec §1.2). Every object is strict: a stray field makes
 * the file unparseable (`invalid_state_json`), exactly as upstream's decoder refuses it.
 */
const StateResourceSchema = z.strictObject({
  digest: z.string(),
  applies_to: z.array(z.string()).nullish(),
  embedding_provider: z.string().nullish(),
  embedding_profile: EmbeddingProfileSchema.nullish(),
});

export const ClusterStateSchema = z.strictObject({
  version: u32,
  state_revision: u64.optional(),
  applied_revision: z.strictObject({
    config_digest: z.string().nullish(),
    resources: zMap(StateResourceSchema).optional(),
  }),
  resource_statuses: zMap(ResourceStatusRecordInSchema).optional(),
  approval_records: zMap(z.unknown()).optional(),
  recovery_records: zMap(z.unknown()).optional(),
  observations: zMap(z.unknown()).optional(),
});

export interface StateResource {
  readonly digest: string;
  /** Policies only: normalized bindings (`cluster`, `graph.<g>`), sorted and deduplicated. */
  readonly applies_to?: readonly string[];
  /** Graphs only: the bound `provider.embedding.<name>`. */
  readonly embedding_provider?: string;
  /** Providers only: the applied profile, `${ENV}` references unresolved. */
  readonly embedding_profile?: EmbeddingProfile;
}

/**
 * In-memory ledger. Maps (not plain objects) so that any key survives, and so that the
 * serialiser, not insertion order, decides the order on disk.
 */
export interface ClusterState {
  version: number;
  state_revision: number;
  applied_revision: {
    config_digest: string | null;
    resources: Map<string, StateResource>;
  };
  resource_statuses: Map<string, ResourceStatusRecord>;
  approval_records: Map<string, JsonValue>;
  recovery_records: Map<string, JsonValue>;
  observations: Map<string, JsonValue>;
}

export function emptyState(configDigest: string | null): ClusterState {
  return {
    version: 1,
    state_revision: 0,
    applied_revision: { config_digest: configDigest, resources: new Map() },
    resource_statuses: new Map(),
    approval_records: new Map(),
    recovery_records: new Map(),
    observations: new Map(),
  };
}

export type ParsedState = z.output<typeof ClusterStateSchema>;

/** The in-memory ledger from a decode; every map is new (the decode may be shared). */
export function fromParsedState(p: ParsedState): ClusterState {
  const resources = new Map<string, StateResource>();
  for (const [k, r] of p.applied_revision.resources ?? new Map()) {
    const entry: {
      digest: string;
      applies_to?: string[];
      embedding_provider?: string;
      embedding_profile?: EmbeddingProfile;
    } = { digest: r.digest };
    if (r.applies_to != null) entry.applies_to = r.applies_to;
    if (r.embedding_provider != null) entry.embedding_provider = r.embedding_provider;
    if (r.embedding_profile != null) entry.embedding_profile = r.embedding_profile;
    resources.set(k, entry);
  }
  const statuses = new Map<string, ResourceStatusRecord>();
  for (const [k, s] of p.resource_statuses ?? new Map()) {
    statuses.set(k, {
      status: s.status,
      conditions: s.conditions ?? [],
      message: s.message ?? null,
    });
  }
  return {
    version: p.version,
    state_revision: p.state_revision ?? 0,
    applied_revision: { config_digest: p.applied_revision.config_digest ?? null, resources },
    resource_statuses: statuses,
    approval_records: new Map(p.approval_records ?? []) as Map<string, JsonValue>,
    recovery_records: new Map(p.recovery_records ?? []) as Map<string, JsonValue>,
    observations: new Map(p.observations ?? []) as Map<string, JsonValue>,
  };
}

function resourceToJson(r: StateResource): Record<string, unknown> {
  const out: Record<string, unknown> = { digest: r.digest };
  if (r.applies_to !== undefined) out.applies_to = [...r.applies_to];
  if (r.embedding_provider !== undefined) out.embedding_provider = r.embedding_provider;
  if (r.embedding_profile !== undefined) out.embedding_profile = profileToJson(r.embedding_profile);
  return out;
}

/** The wire form, fields in upstream's order and every map sorted by key. */
export function stateToJson(s: ClusterState): Record<string, unknown> {
  return {
    version: s.version,
    state_revision: s.state_revision,
    applied_revision: {
      config_digest: s.applied_revision.config_digest,
      resources: sortedObject(s.applied_revision.resources, resourceToJson),
    },
    resource_statuses: sortedObject(s.resource_statuses, statusToJson),
    approval_records: sortedObject(s.approval_records),
    recovery_records: sortedObject(s.recovery_records),
    observations: sortedObject(s.observations),
  };
}

/** A deep, independent copy (the pre-sweep snapshot `before` of apply phase D). */
export function cloneState(s: ClusterState): ClusterState {
  return cloneData(s) as ClusterState;
}

/**
 * A deep copy of plain data (objects, arrays, Maps, primitives): what `structuredClone` gives
 * for a ledger (same keys in the same order, `__proto__` kept as an own key), without its
 * serialisation round trip.
 */
function cloneData(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(cloneData);
  if (v instanceof Map) {
    const m = new Map();
    for (const [k, x] of v) m.set(cloneData(k), cloneData(x));
    return m;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = cloneData((v as Record<string, unknown>)[k]);
    if (k === "__proto__")
      Object.defineProperty(out, k, {
        value: x,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = x;
  }
  return out;
}

/** Canonical text for "did anything change" comparisons. */
export function stateFingerprint(s: ClusterState): string {
  return JSON.stringify(stateToJson(s));
}

/** Addresses to their applied digests. */
export function stateResourceDigests(s: ClusterState): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, r] of s.applied_revision.resources) out.set(k, r.digest);
  return out;
}
