import { embeddingProviderDigest, graphDigest } from "../../src/cluster/digests.ts";
import type { EmbeddingProfile } from "../../src/cluster/records/embeddingProfile.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { prettyJsonLine } from "../../src/util/json.ts";
import type { DefectName } from "../../src/world/defects.ts";
import { World } from "../../src/world/world.ts";

/**
 * Hand-written cluster stores for the serve tests, written with the harness's privilege
 * (straight to the world's store). Shapes follow upstream's test seed helpers.
 */
export const PEOPLE_PG = "\nnode Person {\n  name: String @key\n  age: I32?\n}\n";
export const SERVER_PEOPLE_PG = "\nnode Person {\n  name: String @key\n}\n";
export const FIND_PERSON_GQ =
  "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name, $p.age }\n}\n";
export const SERVER_FIND_PERSON_GQ =
  "\nquery find_person($name: String) {\n  match { $p: Person { name: $name } }\n  return { $p.name }\n}\n";

export const ADMIN_SERVER_POLICY = `
version: 1
kind: server
groups:
  admins: [act-admin]
rules:
  - id: admins-list-graphs
    allow:
      actors: { group: admins }
      actions: [graph_list]
`;

export function readerGraphPolicy(actors: readonly string[]): string {
  return `
version: 1
groups:
  readers: [${actors.join(", ")}]
rules:
  - id: readers-query
    allow:
      actors: { group: readers }
      actions: [read, invoke_query]
`;
}

export interface WorldOptions {
  readonly env?: Record<string, string>;
  readonly defects?: readonly DefectName[];
}

export function newWorld(opts: WorldOptions = {}): World {
  return World.simulated(7, {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.defects ? { defects: opts.defects } : {}),
  });
}

export interface GraphSeed {
  readonly id: string;
  readonly schema?: string;
  /** name → source */
  readonly queries?: Readonly<Record<string, string>>;
  readonly provider?: string;
}

export interface PolicySeed {
  readonly name: string;
  readonly text: string;
  /** Omitted: a pre-binding-metadata ledger entry. */
  readonly appliesTo?: readonly string[];
}

export interface ProviderSeed {
  readonly name: string;
  /** Omitted: a ledger from before profiles were recorded. */
  readonly profile?: EmbeddingProfile;
  /** The profile the digest was computed over, when it differs (tampering). */
  readonly digestOf?: EmbeddingProfile;
}

export interface LedgerSeed {
  readonly graphs?: readonly GraphSeed[];
  readonly policies?: readonly PolicySeed[];
  readonly providers?: readonly ProviderSeed[];
}

export async function putText(world: World, key: string, text: string): Promise<void> {
  await world.store.put(key, text);
}

export function queryBlobKey(graph: string, name: string, digest: string): string {
  return `__cluster/resources/query/${graph}/${name}/${digest}.gq`;
}

export function policyBlobKey(name: string, digest: string): string {
  return `__cluster/resources/policy/${name}/${digest}.yaml`;
}

/**
 * A converged-looking ledger and its catalog blobs: every digest what apply would record,
 * so only what a test changes afterwards is wrong.
 */
export async function seedLedger(world: World, seed: LedgerSeed): Promise<void> {
  const resources: Record<string, Record<string, unknown>> = {};
  for (const p of seed.providers ?? []) {
    const digestOf = p.digestOf ?? p.profile ?? { kind: "mock" };
    const entry: Record<string, unknown> = { digest: embeddingProviderDigest(digestOf) };
    if (p.profile !== undefined) entry.embedding_profile = p.profile;
    resources[`provider.embedding.${p.name}`] = entry;
  }
  for (const g of seed.graphs ?? []) {
    const schema = g.schema ?? PEOPLE_PG;
    const schemaDigest = sha256Hex(schema);
    const queryDigests = new Map<string, string>();
    for (const [name, text] of Object.entries(g.queries ?? {})) {
      const d = sha256Hex(text);
      queryDigests.set(name, d);
      resources[`query.${g.id}.${name}`] = { digest: d };
      await putText(world, queryBlobKey(g.id, name, d), text);
    }
    const providerAddress =
      g.provider === undefined ? undefined : `provider.embedding.${g.provider}`;
    const providerDigest =
      providerAddress === undefined
        ? undefined
        : (resources[providerAddress]?.digest as string | undefined);
    const graphEntry: Record<string, unknown> = {
      digest: graphDigest(g.id, schemaDigest, queryDigests, providerAddress, providerDigest),
    };
    if (providerAddress !== undefined) graphEntry.embedding_provider = providerAddress;
    resources[`graph.${g.id}`] = graphEntry;
    resources[`schema.${g.id}`] = { digest: schemaDigest };
  }
  for (const p of seed.policies ?? []) {
    const d = sha256Hex(p.text);
    const entry: Record<string, unknown> = { digest: d };
    if (p.appliesTo !== undefined) entry.applies_to = [...p.appliesTo];
    resources[`policy.${p.name}`] = entry;
    await putText(world, policyBlobKey(p.name, d), p.text);
  }
  await putText(
    world,
    "__cluster/state.json",
    prettyJsonLine({
      version: 1,
      state_revision: 1,
      applied_revision: { config_digest: null, resources },
    }),
  );
}

export interface SidecarSeed {
  readonly id: string;
  readonly graphId: string;
  readonly kind?: "graph_create" | "schema_apply" | "graph_delete";
  readonly desired?: string;
}

export async function seedSidecar(world: World, s: SidecarSeed): Promise<void> {
  await putText(
    world,
    `__cluster/recoveries/${s.id}.json`,
    prettyJsonLine({
      schema_version: 1,
      operation_id: s.id,
      started_at: "1970-01-01T00:00:00Z",
      kind: s.kind ?? "schema_apply",
      graph_id: s.graphId,
      graph_uri: `/cluster/graphs/${s.graphId}.omni`,
      desired_schema_digest: s.desired ?? "intended-digest",
    }),
  );
}

export function codes(ds: ReadonlyArray<{ code: string }>): string[] {
  return ds.map((d) => d.code);
}
