import { z } from "zod";
import {
  type EmbeddingProfile,
  EmbeddingProfileSchema,
  profileToJson,
} from "../records/embeddingProfile.ts";
import { sortedObject, u32, zMap } from "../records/zodText.ts";

/**
 * How a graph declares its stored queries (untagged, tried in this order): one path (a
 * directory or a single `.gq`), a list of such paths, or an explicit `name: {file}` map.
 */
export type QueriesDecl =
  | { readonly form: "discover"; readonly path: string }
  | { readonly form: "discover_many"; readonly paths: readonly string[] }
  | { readonly form: "explicit"; readonly map: ReadonlyMap<string, { readonly file: string }> };

const QueryConfigSchema = z.strictObject({ file: z.string() });

const QueriesDeclSchema = z.unknown().transform((v, ctx): QueriesDecl => {
  if (typeof v === "string") return { form: "discover", path: v };
  if (Array.isArray(v) && v.every((p) => typeof p === "string")) {
    return { form: "discover_many", paths: v as string[] };
  }
  const explicit = zMap(QueryConfigSchema).safeParse(v);
  if (explicit.success) return { form: "explicit", map: explicit.data };
  ctx.issues.push({
    code: "custom",
    message: "data did not match any variant of untagged enum QueriesDecl",
    input: v,
  });
  return z.NEVER;
});

const GraphConfigSchema = z.strictObject({
  schema: z.string(),
  queries: QueriesDeclSchema.optional(),
  embedding_provider: z.string().nullish(),
});

const PolicyConfigSchema = z.strictObject({
  file: z.string(),
  applies_to: z.array(z.string()),
});

export const RawClusterConfigSchema = z.strictObject({
  version: u32,
  metadata: z.strictObject({ name: z.string().nullish() }).optional(),
  storage: z.string().nullish(),
  state: z.strictObject({ backend: z.string().nullish(), lock: z.boolean().nullish() }).optional(),
  providers: z.strictObject({ embedding: zMap(EmbeddingProfileSchema).optional() }).optional(),
  graphs: zMap(GraphConfigSchema).optional(),
  policies: zMap(PolicyConfigSchema).optional(),
});

export interface GraphConfig {
  readonly schema: string;
  readonly queries: QueriesDecl;
  readonly embedding_provider: string | null;
}

export interface PolicyConfig {
  readonly file: string;
  readonly applies_to: readonly string[];
}

/** `cluster.yaml` after the strict decode, defaults filled the way upstream fills them. */
export interface RawClusterConfig {
  readonly version: number;
  readonly metadata: { readonly name: string | null };
  readonly storage: string | null;
  readonly state: { readonly backend: string | null; readonly lock: boolean | null };
  readonly providers: { readonly embedding: ReadonlyMap<string, EmbeddingProfile> };
  readonly graphs: ReadonlyMap<string, GraphConfig>;
  readonly policies: ReadonlyMap<string, PolicyConfig>;
}

export function fromParsedRaw(p: z.output<typeof RawClusterConfigSchema>): RawClusterConfig {
  const graphs = new Map<string, GraphConfig>();
  for (const [id, g] of p.graphs ?? new Map()) {
    graphs.set(id, {
      schema: g.schema,
      queries: g.queries ?? { form: "explicit", map: new Map() },
      embedding_provider: g.embedding_provider ?? null,
    });
  }
  return {
    version: p.version,
    metadata: { name: p.metadata?.name ?? null },
    storage: p.storage ?? null,
    state: { backend: p.state?.backend ?? null, lock: p.state?.lock ?? null },
    providers: { embedding: p.providers?.embedding ?? new Map() },
    graphs,
    policies: p.policies ?? new Map(),
  };
}

/**
 * The parsed configuration as canonical JSON (field order fixed, maps sorted, defaults
 * explicit): what the desired config digest hashes, so YAML layout never moves it.
 */
export function canonicalConfig(raw: RawClusterConfig): unknown {
  const queriesJson = (q: QueriesDecl): unknown => {
    switch (q.form) {
      case "discover":
        return q.path;
      case "discover_many":
        return [...q.paths];
      case "explicit":
        return sortedObject(q.map, (c) => ({ file: c.file }));
    }
  };
  return {
    version: raw.version,
    metadata: { name: raw.metadata.name },
    storage: raw.storage,
    state: { backend: raw.state.backend, lock: raw.state.lock },
    providers: { embedding: sortedObject(raw.providers.embedding, profileToJson) },
    graphs: sortedObject(raw.graphs, (g) => ({
      schema: g.schema,
      queries: queriesJson(g.queries),
      embedding_provider: g.embedding_provider,
    })),
    policies: sortedObject(raw.policies, (p) => ({ file: p.file, applies_to: [...p.applies_to] })),
  };
}
