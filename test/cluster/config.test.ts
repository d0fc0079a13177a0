import { describe, expect, it } from "vitest";
import { loadDesired } from "../../src/cluster/config/load.ts";
import { duplicateKeyDiagnostics } from "../../src/cluster/config/yamlScan.ts";
import { hasErrors } from "../../src/cluster/diagnostics.ts";
import { graphDigest, sha256Hex } from "../../src/cluster/digests.ts";
import {
  CONFIG_DIR,
  fixtureTree,
  mockEmbeddingClusterYaml,
  QUERY,
  SCHEMA,
} from "./fixtureFiles.ts";

async function load(overrides: Record<string, string | Uint8Array> = {}) {
  const { vol, workTree } = fixtureTree();
  for (const [name, content] of Object.entries(overrides)) {
    vol.writeFileSync(`${CONFIG_DIR}/${name}`, content);
  }
  return loadDesired(workTree, CONFIG_DIR);
}

const codesOf = (o: { diagnostics: Array<{ code: string }> }) => o.diagnostics.map((d) => d.code);

describe("config loading", () => {
  it("loads the fixture: digests, resources, dependencies, bindings", async () => {
    const out = await load();
    expect(out.diagnostics).toEqual([]);
    const d = out.desired;
    expect(d).not.toBeNull();
    if (d === null) return;
    expect([...d.resourceDigests.keys()]).toEqual([
      "graph.knowledge",
      "policy.base",
      "query.knowledge.find_person",
      "schema.knowledge",
    ]);
    expect(d.resourceDigests.get("schema.knowledge")).toBe(sha256Hex(SCHEMA));
    // A query's digest is its containing file's.
    expect(d.resourceDigests.get("query.knowledge.find_person")).toBe(sha256Hex(QUERY));
    expect(d.resourceDigests.get("graph.knowledge")).toBe(
      graphDigest(
        "knowledge",
        sha256Hex(SCHEMA),
        new Map([["find_person", sha256Hex(QUERY)]]),
        undefined,
        undefined,
      ),
    );
    expect(d.dependencies).toEqual([
      { from: "policy.base", to: "graph.knowledge" },
      { from: "query.knowledge.find_person", to: "graph.knowledge" },
      { from: "query.knowledge.find_person", to: "schema.knowledge" },
      { from: "schema.knowledge", to: "graph.knowledge" },
    ]);
    expect(d.policyBindings.get("policy.base")).toEqual(["graph.knowledge"]);
    expect(d.stateLock).toBe(true);
    expect(d.storageRoot).toBeNull();
    expect(d.resources.find((r) => r.address === "schema.knowledge")?.path).toBe(
      "/cluster/./people.pg",
    );
  });

  it("the config digest ignores comments and layout but not semantics", async () => {
    const first = await load();
    const relaid = await load({
      "cluster.yaml":
        "\n# same config, different layout\nversion: 1\nmetadata: { name: test }\nstate: { backend: cluster, lock: true }\n" +
        "graphs:\n  knowledge:\n    schema: ./people.pg\n    queries: { find_person: { file: ./people.gq } }\n" +
        "policies:\n  base:\n    file: ./base.policy.yaml\n    applies_to:\n      - knowledge\n",
    });
    expect(relaid.diagnostics).toEqual([]);
    expect(relaid.desired?.configDigest).toBe(first.desired?.configDigest);
    const renamed = await load({
      "cluster.yaml": (await fixtureTree().workTree.readText(`${CONFIG_DIR}/cluster.yaml`)).replace(
        "name: test",
        "name: other",
      ),
    });
    expect(renamed.desired?.configDigest).not.toBe(first.desired?.configDigest);
    expect(renamed.desired?.resourceDigests).toEqual(first.desired?.resourceDigests);
  });

  it("rejects unknown fields with serde's wording", async () => {
    const out = await load({ "cluster.yaml": "version: 1\ngraphs: {}\nwat: true\n" });
    expect(codesOf(out)).toEqual(["invalid_cluster_yaml"]);
    expect(out.diagnostics[0]?.message).toContain("unknown field `wat`");
    expect(out.desired).toBeNull();
  });

  it("rejects unknown nested fields", async () => {
    const out = await load({
      "cluster.yaml": "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    extra: 1\n",
    });
    expect(codesOf(out)).toEqual(["invalid_cluster_yaml"]);
    expect(out.diagnostics[0]?.message).toContain("unknown field `extra`");
  });

  it("rejects future-phase fields before decoding", async () => {
    const out = await load({ "cluster.yaml": "version: 1\ngraphs: {}\npipelines: {}\n" });
    expect(out.diagnostics[0]).toEqual({
      code: "future_phase_field",
      severity: "error",
      path: "pipelines",
      message: "`pipelines` is reserved for a later cluster-control phase",
    });
  });

  it("rejects duplicate keys by text scan", async () => {
    const out = await load({ "cluster.yaml": "version: 1\ngraphs: {}\ngraphs: {}\n" });
    expect(out.diagnostics[0]?.code).toBe("duplicate_yaml_key");
    expect(out.diagnostics[0]?.path).toBe("graphs");
    expect(out.diagnostics[0]?.message).toBe("duplicate YAML key `graphs` on line 3");
  });

  it("a duplicate key hides reserved fields (upstream's scan reads a Mapping, which refuses duplicates)", async () => {
    // crates/omnigraph-cluster/src/config.rs `future_field_diagnostics` @7fd23c54: the text is
    // read as a serde_yaml::Value, whose Mapping refuses a duplicate key anywhere, and then
    // nothing is reported; the line scan still reports the duplicate.
    const out = await load({ "cluster.yaml": "version: 1\nversion: 1\nui: {}\ngraphs: {}\n" });
    expect(out.diagnostics.map((d) => d.code)).toEqual(["duplicate_yaml_key"]);
    const flow = await load({ "cluster.yaml": "version: 1\nui: {}\ngraphs: { a: {}, a: {} }\n" });
    expect(flow.diagnostics.map((d) => d.code)).toEqual(["invalid_cluster_yaml"]);
  });

  it("the duplicate scan keeps quoted hashes and tracks nesting", () => {
    expect(duplicateKeyDiagnostics('"name#display": one\n"name#display": two\n')).toHaveLength(1);
    const nested = duplicateKeyDiagnostics(
      "graphs:\n  a:\n    schema: x\n    schema: y\n  b:\n    schema: z\n",
    );
    expect(nested.map((d) => d.path)).toEqual(["graphs.a.schema"]);
    // Sequence items and flow mappings are invisible to it, as upstream's scan.
    expect(duplicateKeyDiagnostics("a: { x: 1, x: 2 }\n- b: 1\n- b: 1\n")).toEqual([]);
  });

  it("reports malformed YAML as invalid_cluster_yaml", async () => {
    const out = await load({ "cluster.yaml": "version: 1\ngraphs: [unclosed\n" });
    expect(codesOf(out)).toEqual(["invalid_cluster_yaml"]);
  });

  it("a wrongly typed version is a decode error; another number is unsupported", async () => {
    const typed = await load({ "cluster.yaml": 'version: "1"\n' });
    expect(codesOf(typed)).toEqual(["invalid_cluster_yaml"]);
    const two = await load({ "cluster.yaml": "version: 2\n" });
    expect(codesOf(two)).toEqual(["unsupported_cluster_config_version"]);
  });

  it("header checks: metadata name, state backend, storage root", async () => {
    const out = await load({
      "cluster.yaml":
        'version: 1\nmetadata:\n  name: " "\nstate:\n  backend: s3://bucket/state\nstorage: "s3://"\n',
    });
    expect(codesOf(out)).toEqual([
      "empty_metadata_name",
      "unsupported_state_backend",
      "invalid_storage_root",
    ]);
  });

  it("a missing config dir or cluster.yaml", async () => {
    const { workTree } = fixtureTree();
    const missingDir = await loadDesired(workTree, "/nowhere");
    expect(codesOf(missingDir)).toEqual(["config_dir_not_found"]);
    const { vol, workTree: wt2 } = fixtureTree();
    vol.unlinkSync(`${CONFIG_DIR}/cluster.yaml`);
    expect(codesOf(await loadDesired(wt2, CONFIG_DIR))).toEqual(["cluster_config_read_error"]);
  });

  it("missing schema, query and policy files", async () => {
    const out = await load({
      "cluster.yaml":
        "version: 1\ngraphs:\n  knowledge:\n    schema: ./missing.pg\n    queries:\n      find_person: { file: ./missing.gq }\n" +
        "policies:\n  base:\n    file: ./missing.policy.yaml\n    applies_to: [knowledge]\n",
    });
    expect(new Set(codesOf(out))).toEqual(
      new Set(["schema_file_missing", "query_file_missing", "policy_file_missing"]),
    );
  });

  it("wrong-kind and dangling references", async () => {
    const out = await load({
      "cluster.yaml":
        "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\npolicies:\n  base:\n    file: ./base.policy.yaml\n" +
        "    applies_to: [query.knowledge.find_person, missing]\n",
    });
    expect(codesOf(out)).toEqual(["wrong_kind_reference", "dangling_graph_reference"]);
    expect(out.diagnostics.map((d) => d.path)).toEqual([
      "policies.base.applies_to[0]",
      "policies.base.applies_to[1]",
    ]);
    const empty = await load({
      "cluster.yaml":
        "version: 1\npolicies:\n  base:\n    file: ./base.policy.yaml\n    applies_to: []\n",
    });
    expect(codesOf(empty)).toEqual(["policy_missing_applies_to"]);
  });

  it("policy bindings normalise: cluster, graph.x and bare x; sorted and deduplicated", async () => {
    const out = await load({
      "cluster.yaml":
        "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\npolicies:\n  base:\n    file: ./base.policy.yaml\n" +
        "    applies_to: [knowledge, cluster, graph.knowledge]\n",
    });
    expect(out.diagnostics).toEqual([]);
    expect(out.desired?.policyBindings.get("policy.base")).toEqual(["cluster", "graph.knowledge"]);
  });

  it("graph ids with path separators or dots are invalid resource ids", async () => {
    for (const id of ['"a/b"', '".."', '"../x"', '"k.v"']) {
      const out = await load({
        "cluster.yaml": `version: 1\ngraphs:\n  ${id}:\n    schema: ./people.pg\n`,
      });
      expect(codesOf(out)).toContain("invalid_resource_id");
      expect(hasErrors(out.diagnostics)).toBe(true);
    }
  });

  it("embedding providers: resource, dependency, composite, unresolved profile", async () => {
    const out = await load({ "cluster.yaml": mockEmbeddingClusterYaml("recorded-x") });
    expect(out.diagnostics).toEqual([]);
    const d = out.desired;
    if (d === null) throw new Error("no desired");
    const providerDigest = d.resourceDigests.get("provider.embedding.default");
    expect(providerDigest).toBeDefined();
    expect(d.resources.find((r) => r.address === "provider.embedding.default")).toEqual({
      address: "provider.embedding.default",
      kind: "embedding_provider",
      digest: providerDigest,
    });
    expect(d.dependencies).toContainEqual({
      from: "graph.knowledge",
      to: "provider.embedding.default",
    });
    expect(d.resourceDigests.get("graph.knowledge")).toBe(
      graphDigest(
        "knowledge",
        sha256Hex(SCHEMA),
        new Map([["find_person", sha256Hex(QUERY)]]),
        "provider.embedding.default",
        providerDigest,
      ),
    );
    expect(d.embeddingProviders.get("provider.embedding.default")).toEqual({
      kind: "mock",
      model: "recorded-x",
    });
    const other = await load({ "cluster.yaml": mockEmbeddingClusterYaml("other") });
    expect(other.desired?.resourceDigests.get("provider.embedding.default")).not.toBe(
      providerDigest,
    );
  });

  it("embedding providers: inline secrets, wrong kinds, dangling refs, unknown kinds", async () => {
    const out = await load({
      "cluster.yaml":
        "version: 1\nproviders:\n  embedding:\n    default:\n      kind: openai-compatible\n      api_key: sk-inline\n" +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML env reference
        "    nokey:\n      kind: gemini\n    weird:\n      kind: cohere\n      api_key: ${K}\n" +
        "graphs:\n  knowledge:\n    schema: ./people.pg\n    embedding_provider: provider.policy.default\n" +
        "  missing_provider:\n    schema: ./people.pg\n    embedding_provider: absent\n",
    });
    expect(new Set(codesOf(out))).toEqual(
      new Set([
        "embedding_api_key_inline",
        "embedding_api_key_required",
        "invalid_embedding_provider",
        "wrong_kind_reference",
        "dangling_embedding_provider_reference",
      ]),
    );
    expect(out.diagnostics.find((d) => d.code === "embedding_api_key_inline")?.path).toBe(
      "providers.embedding.default.api_key",
    );
  });

  it("`provider` is an alias of `kind`; both at once is a decode error", async () => {
    const alias = await load({
      "cluster.yaml": "version: 1\nproviders:\n  embedding:\n    p:\n      provider: mock\n",
    });
    expect(alias.diagnostics).toEqual([]);
    expect(alias.desired?.embeddingProviders.get("provider.embedding.p")).toEqual({ kind: "mock" });
    const both = await load({
      "cluster.yaml":
        "version: 1\nproviders:\n  embedding:\n    p:\n      provider: mock\n      kind: mock\n",
    });
    expect(codesOf(both)).toEqual(["invalid_cluster_yaml"]);
  });

  it("query key mismatch and type-check failure", async () => {
    const mismatch = await load({
      "cluster.yaml":
        "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries:\n      different: { file: ./people.gq }\n",
    });
    expect(codesOf(mismatch)).toEqual(["query_key_mismatch"]);
    const typecheck = await load({
      "people.gq": "query find_person() { match { $d: DoesNotExist } return { $d.name } }\n",
    });
    expect(codesOf(typecheck)).toEqual(["query_typecheck_error"]);
  });

  it("an invalid schema skips query type-checks with a warning", async () => {
    const out = await load({ "people.pg": "node Person { Name: String }\n" });
    expect(codesOf(out)).toEqual(["schema_parse_error", "query_typecheck_skipped"]);
  });

  it("a non-UTF-8 query or schema file cannot be read", async () => {
    const bad = new Uint8Array([0x71, 0x75, 0xff, 0xfe, 0x0a]);
    const query = await load({ "people.gq": bad });
    expect(codesOf(query)).toEqual(["query_file_missing"]);
    expect(query.diagnostics[0]?.message).toContain("valid UTF-8");
    const schema = await load({ "people.pg": bad });
    expect(codesOf(schema)).toContain("schema_file_missing");
  });

  it("query discovery: directory, list and single-file forms; duplicates; empty dir", async () => {
    const { vol, workTree } = fixtureTree();
    vol.mkdirSync(`${CONFIG_DIR}/queries`);
    vol.mkdirSync(`${CONFIG_DIR}/empty`);
    vol.writeFileSync(`${CONFIG_DIR}/queries/b.gq`, QUERY);
    vol.writeFileSync(
      `${CONFIG_DIR}/queries/a.gq`,
      "query list_people() { match { $p: Person } return { $p.name } }\n",
    );
    vol.writeFileSync(`${CONFIG_DIR}/queries/notes.txt`, "ignored");
    vol.writeFileSync(
      `${CONFIG_DIR}/cluster.yaml`,
      "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries: ./queries/\n",
    );
    const dir = await loadDesired(workTree, CONFIG_DIR);
    expect(dir.diagnostics).toEqual([]);
    expect(
      [...(dir.desired?.resourceDigests.keys() ?? [])].filter((a) => a.startsWith("query.")),
    ).toEqual(["query.knowledge.find_person", "query.knowledge.list_people"]);

    vol.writeFileSync(
      `${CONFIG_DIR}/cluster.yaml`,
      "version: 1\ngraphs:\n  knowledge:\n    schema: ./people.pg\n    queries: [./queries/, ./people.gq, ./empty]\n",
    );
    const many = await loadDesired(workTree, CONFIG_DIR);
    expect(codesOf(many)).toEqual(["query_dir_empty", "duplicate_query_name"]);
    expect(many.diagnostics[1]?.message).toBe(
      "query 'find_person' is declared in both './queries/b.gq' and './people.gq'",
    );
  });
});

describe("working trees", () => {
  it("a real directory through node:fs/promises loads like the memfs one", async () => {
    const fsp = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { fsWorkTree } = await import("../../src/cluster/worktree.ts");
    const { POLICY, CLUSTER_YAML } = await import("./fixtureFiles.ts");
    const dir = await fsp.mkdtemp(`${tmpdir()}/cluster-`);
    try {
      await fsp.writeFile(`${dir}/people.pg`, SCHEMA);
      await fsp.writeFile(`${dir}/people.gq`, QUERY);
      await fsp.writeFile(`${dir}/base.policy.yaml`, POLICY);
      await fsp.writeFile(`${dir}/cluster.yaml`, CLUSTER_YAML);
      const real = await loadDesired(fsWorkTree(fsp), dir);
      const mem = await load();
      expect(real.diagnostics).toEqual([]);
      expect(real.desired?.resourceDigests).toEqual(mem.desired?.resourceDigests);
      expect(real.desired?.configDigest).toBe(mem.desired?.configDigest);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
