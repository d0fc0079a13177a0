import { compareStrings } from "../../util/json.ts";
import { deepFreeze, TextKeyedCache } from "../../util/memo.ts";
import {
  embeddingProviderAddress,
  graphAddress,
  policyAddress,
  queryAddress,
  schemaAddress,
} from "../addresses.ts";
import { type Diagnostic, error, errorText } from "../diagnostics.ts";
import {
  desiredConfigDigest,
  embeddingProviderDigest,
  graphDigest,
  sha256Hex,
} from "../digests.ts";
import { type CompiledCatalog, checkSchema } from "../engineLang.ts";
import type { EmbeddingProfile } from "../records/embeddingProfile.ts";
import { resolveConfigPath, type WorkTree } from "../worktree.ts";
import type { Dependency, DesiredCluster, DesiredGraph, ResourceSummary } from "./desired.ts";
import { validateEmbeddingProfile } from "./embedding.ts";
import { validateClusterHeader } from "./header.ts";
import { normalizeEmbeddingProviderTarget, normalizePolicyTarget, validateId } from "./ids.ts";
import { parseClusterConfig } from "./parse.ts";
import { resolveQueryDecls, validateQuerySource } from "./queries.ts";
import { canonicalConfig } from "./raw.ts";

export interface LoadOutcome {
  readonly desired: DesiredCluster | null;
  readonly diagnostics: Diagnostic[];
  readonly configDir: string;
  readonly configFile: string;
}

function byKey<V>(m: ReadonlyMap<string, V>): Array<[string, V]> {
  return [...m].sort((a, b) => compareStrings(a[0], b[0]));
}

/**
 * Phase A: everything the desired revision is made of, from the working tree alone. All
 * findings are collected (not fail-fast) once the YAML decoded; a caller that sees an error
 * must touch nothing in the store.
 */
export async function loadDesired(workTree: WorkTree, configDir: string): Promise<LoadOutcome> {
  const key = workTree.contentKey;
  if (key === undefined) return loadDesiredFresh(workTree, configDir);
  // A pure function of the tree's content: remembered by it. The desired revision is shared
  // (frozen); the diagnostics list is the caller's to extend, so each caller gets its own.
  // Keyed by the tree's own key string (its hash is computed once), one memo per config dir.
  let memo = loadMemos.get(configDir);
  if (memo === undefined) {
    if (loadMemos.size >= 64) loadMemos.clear();
    memo = new TextKeyedCache(2048);
    loadMemos.set(configDir, memo);
  }
  const loads = memo;
  let pending = loads.get(key);
  if (pending === undefined) {
    pending = loadDesiredFresh(workTree, configDir).then(deepFreeze, (e: unknown) => {
      loads.delete(key);
      throw e;
    });
    loads.set(key, pending);
  }
  const o = await pending;
  return { ...o, diagnostics: [...o.diagnostics] };
}

/** Load outcomes by config dir, then tree content (a content-keyed memo; values frozen). */
const loadMemos = new Map<string, TextKeyedCache<Promise<LoadOutcome>>>();

async function loadDesiredFresh(workTree: WorkTree, configDir: string): Promise<LoadOutcome> {
  const parsed = await parseClusterConfig(workTree, configDir);
  const diagnostics = parsed.diagnostics;
  const raw = parsed.raw;
  const outcome = (desired: DesiredCluster | null): LoadOutcome => ({
    desired,
    diagnostics,
    configDir: parsed.configDir,
    configFile: parsed.configFile,
  });
  if (raw === null) return outcome(null);
  const settings = validateClusterHeader(raw, diagnostics);

  const resources = new Map<string, ResourceSummary>();
  const dependencies = new Map<string, Dependency>();
  const addDependency = (from: string, to: string) =>
    dependencies.set(`${from}\0${to}`, { from, to });
  const graphQueryDigests = new Map<string, Map<string, string>>();
  const graphSchemaDigests = new Map<string, string>();
  const graphProviders = new Map<string, string>();
  const providerDigests = new Map<string, string>();
  const embeddingProviders = new Map<string, EmbeddingProfile>();

  for (const [name, profile] of byKey(raw.providers.embedding)) {
    const path = `providers.embedding.${name}`;
    validateId("embedding provider name", path, name, diagnostics);
    const address = embeddingProviderAddress(name);
    validateEmbeddingProfile(profile, path, diagnostics);
    const digest = embeddingProviderDigest(profile);
    providerDigests.set(address, digest);
    embeddingProviders.set(address, profile);
    resources.set(address, { address, kind: "embedding_provider", digest });
  }

  for (const [graphId, graph] of byKey(raw.graphs)) {
    validateId("graph id", `graphs.${graphId}`, graphId, diagnostics);
    const gAddr = graphAddress(graphId);
    const sAddr = schemaAddress(graphId);
    addDependency(sAddr, gAddr);

    if (graph.embedding_provider !== null) {
      const target = normalizeEmbeddingProviderTarget(graph.embedding_provider);
      if (target.kind === "provider") {
        const pAddr = embeddingProviderAddress(target.name);
        if (raw.providers.embedding.has(target.name)) {
          addDependency(gAddr, pAddr);
          graphProviders.set(graphId, pAddr);
        } else {
          diagnostics.push(
            error(
              "dangling_embedding_provider_reference",
              `graphs.${graphId}.embedding_provider`,
              `graph references embedding provider \`${target.name}\`, but no providers.embedding.${target.name} profile is declared`,
            ),
          );
        }
      } else {
        diagnostics.push(
          error(
            "wrong_kind_reference",
            `graphs.${graphId}.embedding_provider`,
            `embedding_provider expects a providers.embedding ref or bare provider name, got \`${target.value}\``,
          ),
        );
      }
    }

    const schemaPath = resolveConfigPath(configDir, graph.schema);
    let schemaSource: string | null = null;
    try {
      schemaSource = await workTree.readText(schemaPath);
      const digest = sha256Hex(schemaSource);
      graphSchemaDigests.set(graphId, digest);
      resources.set(sAddr, { address: sAddr, kind: "schema", digest, path: schemaPath });
    } catch (e) {
      diagnostics.push(
        error(
          "schema_file_missing",
          `graphs.${graphId}.schema`,
          `could not read schema file '${schemaPath}': ${errorText(e)}`,
        ),
      );
    }

    let catalog: CompiledCatalog | null = null;
    if (schemaSource !== null) {
      const checked = checkSchema(schemaSource);
      if (checked.ok) catalog = checked.catalog;
      else diagnostics.push(error(checked.code, `graphs.${graphId}.schema`, checked.message));
    }

    const { registry, contents } = await resolveQueryDecls(
      workTree,
      configDir,
      graphId,
      graph.queries,
      diagnostics,
    );
    for (const [queryName, file] of registry) {
      validateId("query name", `graphs.${graphId}.queries.${queryName}`, queryName, diagnostics);
      const qAddr = queryAddress(graphId, queryName);
      addDependency(qAddr, gAddr);
      addDependency(qAddr, sAddr);
      const queryPath = resolveConfigPath(configDir, file);
      let source: string;
      const cached = contents.get(file);
      try {
        source = cached ?? (await workTree.readText(queryPath));
      } catch (e) {
        diagnostics.push(
          error(
            "query_file_missing",
            `graphs.${graphId}.queries.${queryName}.file`,
            `could not read query file '${queryPath}': ${errorText(e)}`,
          ),
        );
        continue;
      }
      const digest = sha256Hex(source);
      let perGraph = graphQueryDigests.get(graphId);
      if (perGraph === undefined) {
        perGraph = new Map();
        graphQueryDigests.set(graphId, perGraph);
      }
      perGraph.set(queryName, digest);
      resources.set(qAddr, { address: qAddr, kind: "query", digest, path: queryPath });
      validateQuerySource(graphId, queryName, source, catalog, diagnostics);
    }
  }

  for (const [graphId] of byKey(raw.graphs)) {
    const provider = graphProviders.get(graphId);
    const digest = graphDigest(
      graphId,
      graphSchemaDigests.get(graphId),
      graphQueryDigests.get(graphId),
      provider,
      provider === undefined ? undefined : providerDigests.get(provider),
    );
    const address = graphAddress(graphId);
    resources.set(address, { address, kind: "graph", digest });
  }

  const policyBindings = new Map<string, string[]>();
  for (const [name, policy] of byKey(raw.policies)) {
    validateId("policy name", `policies.${name}`, name, diagnostics);
    if (policy.applies_to.length === 0) {
      diagnostics.push(
        error(
          "policy_missing_applies_to",
          `policies.${name}.applies_to`,
          "policy.applies_to must name `cluster` or at least one graph",
        ),
      );
    }
    const pAddr = policyAddress(name);
    const bindings: string[] = [];
    policy.applies_to.forEach((target, idx) => {
      const t = normalizePolicyTarget(target);
      if (t.kind === "cluster") {
        bindings.push("cluster");
      } else if (t.kind === "graph") {
        bindings.push(graphAddress(t.graphId));
        if (raw.graphs.has(t.graphId)) {
          addDependency(pAddr, graphAddress(t.graphId));
        } else {
          diagnostics.push(
            error(
              "dangling_graph_reference",
              `policies.${name}.applies_to[${idx}]`,
              `policy references graph \`${t.graphId}\`, but no graph with that id is declared`,
            ),
          );
        }
      } else {
        diagnostics.push(
          error(
            "wrong_kind_reference",
            `policies.${name}.applies_to[${idx}]`,
            `policy applies_to expects graph refs or \`cluster\`, got \`${t.value}\``,
          ),
        );
      }
    });
    policyBindings.set(pAddr, [...new Set(bindings)].sort(compareStrings));

    const policyPath = resolveConfigPath(configDir, policy.file);
    try {
      const bytes = await workTree.readFile(policyPath);
      resources.set(pAddr, {
        address: pAddr,
        kind: "policy",
        digest: sha256Hex(bytes),
        path: policyPath,
      });
    } catch (e) {
      diagnostics.push(
        error(
          "policy_file_missing",
          `policies.${name}.file`,
          `could not read policy file '${policyPath}': ${errorText(e)}`,
        ),
      );
    }
  }

  const sortedResources = byKey(resources).map(([, r]) => r);
  const resourceDigests = new Map(sortedResources.map((r) => [r.address, r.digest] as const));
  const sortedDependencies = [...dependencies.values()].sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to),
  );
  const graphs: DesiredGraph[] = byKey(raw.graphs).map(([id]) => ({
    id,
    schemaDigest: graphSchemaDigests.get(id) ?? "",
    embeddingProvider: graphProviders.get(id) ?? null,
  }));

  return outcome({
    configDir: parsed.configDir,
    configDigest: desiredConfigDigest(canonicalConfig(raw), resourceDigests),
    storageRoot: settings.storageRoot,
    stateLock: settings.stateLock,
    embeddingProviders,
    graphs,
    resourceDigests,
    resources: sortedResources,
    dependencies: sortedDependencies,
    policyBindings,
  });
}
