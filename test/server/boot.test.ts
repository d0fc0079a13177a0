import { describe, expect, it } from "vitest";
import { initGraph } from "../../src/engine/index.ts";
import {
  type BootOptions,
  type BootResult,
  BootResultSchema,
  bootServer,
  bootServerWithRegistry,
  loadStartupSettings,
  readServingSnapshot,
} from "../../src/server/index.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { NoFaults } from "../../src/world/faults.ts";
import type { Process } from "../../src/world/process.ts";
import { StoreError } from "../../src/world/store/ObjectStore.ts";
import type { World } from "../../src/world/world.ts";
import {
  ADMIN_SERVER_POLICY,
  codes,
  type GraphSeed,
  type LedgerSeed,
  newWorld,
  policyBlobKey,
  putText,
  queryBlobKey,
  readerGraphPolicy,
  SERVER_FIND_PERSON_GQ,
  SERVER_PEOPLE_PG,
  seedLedger,
  seedSidecar,
  type WorldOptions,
} from "./fixtures.ts";
import { ServeRig } from "./rig.ts";

const ROOT = "/cluster";

/** A `${NAME}` secret reference, spelled so no literal reads like a template slip. */
const envRef = (name: string): string => `\${${name}}`;

/** Two healthy served graphs, `archive` and `knowledge`, each with `find_person`. */
function twoGraphs(
  extra: Partial<Record<"archive" | "knowledge", Partial<GraphSeed>>> = {},
): GraphSeed[] {
  return (["archive", "knowledge"] as const).map((id) => ({
    id,
    schema: SERVER_PEOPLE_PG,
    queries: { find_person: SERVER_FIND_PERSON_GQ },
    ...extra[id],
  }));
}

async function seeded(
  seed: LedgerSeed,
  opts: WorldOptions = {},
  roots?: readonly string[],
): Promise<World> {
  const w = newWorld(opts);
  await seedLedger(w, seed);
  const init = w.spawn("init");
  for (const g of roots ?? (seed.graphs ?? []).map((g) => g.id)) {
    await initGraph(init, `graphs/${g}.omni`, SERVER_PEOPLE_PG);
  }
  return w;
}

function boot(w: World, opts: BootOptions = {}): Promise<BootResult> {
  return bootServer(w.spawn("server"), { clusterRoot: ROOT, unauthenticated: true, ...opts });
}

function ready(r: BootResult) {
  expect(r.kind, JSON.stringify(r)).toBe("ready");
  if (r.kind !== "ready") throw new Error("not ready");
  expect(BootResultSchema.parse(r)).toEqual(r);
  return r;
}

function failed(r: BootResult) {
  expect(r.kind, JSON.stringify(r)).toBe("failed");
  if (r.kind !== "failed") throw new Error("not failed");
  expect(BootResultSchema.parse(r)).toEqual(r);
  return r;
}

/** Boots default and strict: the default expectation, then the strict one. */
async function bothModes(w: World): Promise<{ loose: BootResult; strict: BootResult }> {
  return { loose: await boot(w), strict: await boot(w, { strict: true }) };
}

describe("upstream server tests (crates/omnigraph-server/tests/multi_graph.rs)", () => {
  it("cluster_boot_serves_applied_state", async () => {
    const rig = new ServeRig().serverFixture();
    await rig.converge();
    const out = await rig.boot({ unauthenticated: true });
    const r = ready(out.result);
    expect(r.graphs).toEqual([
      {
        graph_id: "knowledge",
        uri: "/cluster/graphs/knowledge.omni",
        queries: ["find_person"],
        policy: false,
        embedding: null,
      },
    ]);
    expect(r.server_policy).toBe(false);
    expect(r.quarantined).toEqual([]);
    expect(r.runtime_state).toBe("open");
    // The HTTP half of this test runs over a socket in http.test.ts.
  });

  it("cluster_boot_quarantines_graph_open_failures", async () => {
    const w = await seeded(
      {
        graphs: [
          { id: "broken", schema: SERVER_PEOPLE_PG },
          { id: "good", schema: SERVER_PEOPLE_PG },
        ],
        policies: [{ name: "admins", text: ADMIN_SERVER_POLICY, appliesTo: ["cluster"] }],
      },
      { env: { OMNIGRAPH_SERVER_BEARER_TOKENS_JSON: '{"act-admin":"admin-token"}' } },
      ["good"],
    );
    const strict = failed(await boot(w, { strict: true, unauthenticated: false }));
    expect(strict.code).toBe("strict_open_failed");
    expect(strict.message).toContain("strict multi-graph startup requires every graph to open");
    expect(strict.message).toContain("(2 configured, 1 failed)");

    const out = await bootServerWithRegistry(w.spawn("server"), { clusterRoot: ROOT });
    const r = ready(out.result);
    expect(r.graphs.map((g) => g.graph_id)).toEqual(["good"]);
    expect(r.quarantined).toMatchObject([
      { graph_id: "broken", layer: 3, code: "graph_open_failed" },
    ]);
    expect(r.quarantined[0]?.reason).toContain(
      "open graph 'broken' at /cluster/graphs/broken.omni: ",
    );
    expect(r.runtime_state).toBe("policy_enabled");
    expect([...(out.registry?.graphs.keys() ?? [])]).toEqual(["good"]);
  });

  it("cluster_boot_refuses_missing_embedding_secret_env", async () => {
    const rig = new ServeRig().serverFixture();
    rig.write(
      "cluster.yaml",
      `
version: 1
providers:
  embedding:
    default:
      kind: openai-compatible
      api_key: \${OG_TEST_MISSING_EMBED_KEY}
graphs:
  knowledge:
    schema: ./people.pg
    embedding_provider: default
    queries:
      find_person:
        file: ./people.gq
`,
    );
    await rig.converge();
    const f = failed((await rig.boot({ unauthenticated: true })).result);
    // The only graph is quarantined at layer 2, so the boot has nothing left to serve.
    expect(f.code).toBe("no_healthy_graphs");
    expect(f.message).toContain("embedding provider for graph 'knowledge'");
    expect(f.message).toContain("OG_TEST_MISSING_EMBED_KEY");
    expect(f.quarantined).toMatchObject([
      { graph_id: "knowledge", layer: 2, code: "embedding_provider_unresolved" },
    ]);
  });

  it("cluster_boot_wires_policy_bindings_into_cedar_slots", async () => {
    const permitAll = `
version: 1
groups:
  permitted: ["default"]
protected_branches: [main]
rules:
  - id: permit-data
    allow:
      actors: { group: permitted }
      actions: [read, change, export]
      branch_scope: any
`;
    const policies = `policies:
  graph_rules:
    file: ./graph.policy.yaml
    applies_to: [knowledge]
  cluster_rules:
    file: ./cluster.policy.yaml
    applies_to: [cluster]
`;
    const serverTagged = permitAll.replace(
      "protected_branches: [main]\n",
      "protected_branches: [main]\nkind: server\n",
    );
    const env = { OMNIGRAPH_SERVER_BEARER_TOKEN: "t0k" };
    const rig = new ServeRig({ env }).serverFixture(policies);
    rig.write("graph.policy.yaml", permitAll).write("cluster.policy.yaml", serverTagged);
    await rig.converge();

    // The slots receive bundle content (digest-verified blobs), never paths.
    const snapshot = await readServingSnapshot(rig.world.spawn("server"), {
      clusterRoot: ROOT,
      workTree: rig.workTree,
    });
    expect(snapshot.ok).toBe(true);
    if (!snapshot.ok) return;
    const s = loadStartupSettings(
      snapshot,
      {},
      { requireAllGraphs: false, clusterRoot: ROOT, preFix: false },
    );
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.settings.graphs[0]?.policy).toContain("actors:");
    expect(s.settings.serverPolicy).toContain("kind: server");

    // Upstream's test stops at the settings: its "server" bundle grants per-graph actions,
    // which the server slot refuses when the bundle is loaded at layer 3.
    const refused = failed((await rig.boot()).result);
    expect(refused.code).toBe("server_policy_invalid");

    const fixed = new ServeRig({ env }).serverFixture(policies);
    fixed.write("graph.policy.yaml", permitAll).write("cluster.policy.yaml", ADMIN_SERVER_POLICY);
    await fixed.converge();
    const ok = ready((await fixed.boot()).result);
    expect(ok.server_policy).toBe(true);
    expect(ok.graphs).toMatchObject([{ graph_id: "knowledge", policy: true }]);
    expect(ok.runtime_state).toBe("policy_enabled");
  });

  it("cluster_boot_refusals", async () => {
    const none = failed(await bootServer(newWorld().spawn("server"), { clusterRoot: null }));
    expect(none.code).toBe("cluster_required");
    expect(none.message).toContain("boots from a cluster");

    const rig = new ServeRig().serverFixture();
    await rig.converge();
    await putText(
      rig.world,
      queryBlobKey("knowledge", "find_person", sha256Hex(SERVER_FIND_PERSON_GQ)),
      "tampered",
    );
    const tampered = failed((await rig.boot({ unauthenticated: true })).result);
    expect(tampered.code).toBe("cluster_not_ready");
    expect(tampered.message).toContain("catalog_payload_digest_mismatch");
    expect(tampered.message).toContain("cluster refresh");
    expect(tampered.message).toContain("the cluster at '/cluster' is not ready to serve:");

    const empty = failed(await boot(newWorld()));
    expect(empty.code).toBe("cluster_not_ready");
    expect(empty.message).toContain("cluster_state_missing");
    expect(codes(empty.diagnostics)).toEqual(["cluster_state_missing"]);
  });
});

describe("quarantine vs fail-fast (spec §5.4), row by row, default then strict", () => {
  it("a valid sidecar naming g: quarantine g with a startup warning / strict: boot error", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const { loose, strict } = await bothModes(w);
    const r = ready(loose);
    expect(r.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
    expect(r.quarantined).toMatchObject([
      { graph_id: "knowledge", layer: 1, code: "cluster_recovery_pending" },
    ]);
    expect(r.quarantined[0]?.reason).toContain("01SERVE");
    expect(r.diagnostics).toMatchObject([
      { code: "cluster_recovery_pending", severity: "warning", path: "graph.knowledge" },
    ]);
    const f = failed(strict);
    expect(f.code).toBe("strict_startup_diagnostics");
    expect(f.message).toContain(
      "strict cluster boot requires every applied graph to be ready; startup diagnostics:",
    );
    expect(f.message).toContain("[cluster_recovery_pending] graph.knowledge:");
  });

  it("a sidecar listing / read / parse / version failure: boot error either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await putText(w, "__cluster/recoveries/01BAD.json", "{ not json");
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict]) {
      const f = failed(r);
      expect(f.code).toBe("cluster_not_ready");
      expect(f.diagnostics).toMatchObject([
        { code: "invalid_recovery_sidecar", severity: "error" },
      ]);
    }
  });

  it("a sidecar listing that fails outright: boot error either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    failListing(w);
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict]) {
      expect(failed(r).diagnostics).toMatchObject([
        { code: "recovery_sidecar_read_error", severity: "error" },
      ]);
    }
  });

  it("a sidecar with a blank graph_id: boot error cluster_recovery_unattributed either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await seedSidecar(w, { id: "01BLANK", graphId: "" });
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict])
      expect(codes(failed(r).diagnostics)).toEqual(["cluster_recovery_unattributed"]);
  });

  it("state missing / unreadable / bad JSON / bad version: boot error either way", async () => {
    const cases: Array<[string, (w: World) => Promise<void>]> = [
      ["cluster_state_missing", async (w) => void (await w.store.delete("__cluster/state.json"))],
      ["state_read_error", async (w) => failReads(w, "__cluster/state.json")],
      ["invalid_state_json", (w) => putText(w, "__cluster/state.json", "{")],
      [
        "unsupported_state_version",
        (w) => putText(w, "__cluster/state.json", '{"version":7,"applied_revision":{}}'),
      ],
    ];
    for (const [code, breakIt] of cases) {
      const w = await seeded({ graphs: twoGraphs() });
      await breakIt(w);
      const { loose, strict } = await bothModes(w);
      for (const r of [loose, strict]) {
        const f = failed(r);
        expect(f.code).toBe("cluster_not_ready");
        expect(codes(f.diagnostics)).toEqual([code]);
      }
    }
  });

  it("a required provider profile missing or digest-mismatched: boot error either way", async () => {
    for (const provider of [
      { name: "default", digestOf: { kind: "mock" } },
      {
        name: "default",
        profile: { kind: "mock", model: "a" },
        digestOf: { kind: "mock", model: "b" },
      },
    ]) {
      const w = await seeded({
        providers: [provider],
        graphs: twoGraphs({ knowledge: { provider: "default" } }),
      });
      const { loose, strict } = await bothModes(w);
      for (const r of [loose, strict]) {
        const f = failed(r);
        expect(f.code).toBe("cluster_not_ready");
        expect(codes(f.diagnostics)[1]).toBe("embedding_provider_missing");
      }
    }
  });

  it("a graph bound to a non-provider address / a missing profile: boot error either way", async () => {
    const w = await seeded({ graphs: twoGraphs({ knowledge: { provider: "ghost" } }) });
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict])
      expect(codes(failed(r).diagnostics)).toEqual(["embedding_provider_missing"]);

    const v = await seeded({ graphs: twoGraphs() });
    await editLedger(v, (res) => {
      const g = res["graph.knowledge"];
      if (g !== undefined) g.embedding_provider = "query.archive.find_person";
    });
    const both = await bothModes(v);
    for (const r of [both.loose, both.strict])
      expect(codes(failed(r).diagnostics)).toEqual(["wrong_kind_reference"]);
  });

  it("a query or policy blob missing / tampered, whichever graph it belongs to: boot error either way", async () => {
    const text = readerGraphPolicy(["act-reader"]);
    const breakers: Array<[string, (w: World) => Promise<void>]> = [
      [
        "catalog_payload_missing",
        async (w) =>
          void (await w.store.delete(
            queryBlobKey("archive", "find_person", sha256Hex(SERVER_FIND_PERSON_GQ)),
          )),
      ],
      [
        "catalog_payload_digest_mismatch",
        (w) =>
          putText(
            w,
            queryBlobKey("knowledge", "find_person", sha256Hex(SERVER_FIND_PERSON_GQ)),
            "x",
          ),
      ],
      [
        "catalog_payload_missing",
        async (w) => void (await w.store.delete(policyBlobKey("readers", sha256Hex(text)))),
      ],
      [
        "catalog_payload_digest_mismatch",
        (w) => putText(w, policyBlobKey("readers", sha256Hex(text)), "x"),
      ],
    ];
    for (const [code, breakIt] of breakers) {
      const w = await seeded({
        graphs: twoGraphs(),
        policies: [{ name: "readers", text, appliesTo: ["graph.archive"] }],
      });
      await breakIt(w);
      const { loose, strict } = await bothModes(w);
      for (const r of [loose, strict]) expect(codes(failed(r).diagnostics)).toEqual([code]);
    }
  });

  it("a policy without applies_to: boot error either way", async () => {
    const w = await seeded({
      graphs: twoGraphs(),
      policies: [{ name: "legacy", text: "rules: []\n" }],
    });
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict])
      expect(codes(failed(r).diagnostics)).toEqual(["policy_bindings_missing"]);
  });

  it("an applied revision with no graphs: boot error cluster_empty either way", async () => {
    const w = await seeded({});
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict])
      expect(codes(failed(r).diagnostics)).toEqual(["cluster_empty"]);
  });

  it("every applied graph quarantined by sidecars: boot error cluster_no_healthy_graphs either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await seedSidecar(w, { id: "01A", graphId: "archive" });
    await seedSidecar(w, { id: "01K", graphId: "knowledge", kind: "graph_create" });
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict]) {
      expect(codes(failed(r).diagnostics)).toEqual([
        "cluster_no_healthy_graphs",
        "cluster_recovery_pending",
        "cluster_recovery_pending",
      ]);
    }
  });

  it("two bundles binding one scope / an unknown binding: boot error either way", async () => {
    const a = readerGraphPolicy(["a"]);
    const b = readerGraphPolicy(["b"]);
    const cases: Array<[string, LedgerSeed]> = [
      [
        "policy_binding_conflict",
        {
          graphs: twoGraphs(),
          policies: [
            { name: "p1", text: a, appliesTo: ["graph.archive"] },
            { name: "p2", text: b, appliesTo: ["graph.archive"] },
          ],
        },
      ],
      [
        "policy_binding_conflict",
        {
          graphs: twoGraphs(),
          policies: [
            { name: "p1", text: a, appliesTo: ["cluster"] },
            { name: "p2", text: b, appliesTo: ["cluster"] },
          ],
        },
      ],
      [
        "policy_binding_unrecognized",
        { graphs: twoGraphs(), policies: [{ name: "p1", text: a, appliesTo: ["tenant.x"] }] },
      ],
    ];
    for (const [code, seed] of cases) {
      const w = await seeded(seed);
      const { loose, strict } = await bothModes(w);
      for (const r of [loose, strict]) expect(failed(r).code).toBe(code);
    }
    const w = await seeded(cases[0]?.[1] ?? {});
    expect(failed(await boot(w)).message).toBe(
      "multiple policy bundles bind graph 'archive'; cluster-mode serving supports one bundle per scope — split or merge bundles",
    );
  });

  it("a stored query that fails to parse: quarantine / strict: boot error", async () => {
    const w = await seeded({
      graphs: twoGraphs({ knowledge: { queries: { find_person: "query find_person( {{ nope" } } }),
    });
    const { loose, strict } = await bothModes(w);
    const r = ready(loose);
    expect(r.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
    expect(r.quarantined).toMatchObject([
      { graph_id: "knowledge", layer: 2, code: "stored_queries_invalid" },
    ]);
    expect(r.quarantined[0]?.reason).toMatch(
      /^stored queries failed to parse: stored query 'find_person': parse error: /,
    );
    expect(r.diagnostics).toMatchObject([
      { code: "stored_queries_invalid", severity: "warning", path: "graph.knowledge" },
    ]);
    const f = failed(strict);
    expect(f.code).toBe("strict_settings_quarantine");
    expect(f.message).toContain(
      "strict cluster boot requires every graph to build startup settings (quarantined: knowledge: ",
    );
  });

  it("a stored query whose registry key names no declaration in its file: quarantine / strict: boot error", async () => {
    const w = await seeded({
      graphs: twoGraphs({
        knowledge: {
          queries: { find_person: SERVER_FIND_PERSON_GQ.replace("find_person", "other") },
        },
      }),
    });
    const { loose, strict } = await bothModes(w);
    expect(ready(loose).quarantined[0]?.reason).toContain(
      "the registry key must match the query symbol",
    );
    expect(failed(strict).code).toBe("strict_settings_quarantine");
  });

  it("an embedding provider that cannot resolve: quarantine / strict: boot error", async () => {
    const profiles = [
      [
        { kind: "openai", api_key: envRef("UNSET_KEY") },
        "embedding api_key env var 'UNSET_KEY' is not set",
      ],
      [
        { kind: "gemini", api_key: "sk-inline" },
        `embedding api_key must be a ${envRef("NAME")} env reference, got 'sk-inline'`,
      ],
      [{ kind: "openai" }, "embedding api_key is required for non-mock providers"],
      [
        { kind: "bogus", api_key: envRef("SET_KEY") },
        "unknown embedding provider 'bogus' (expected openai-compatible|openai|gemini|mock)",
      ],
    ] as const;
    for (const [profile, message] of profiles) {
      const w = await seeded(
        {
          providers: [{ name: "p", profile }],
          graphs: twoGraphs({ knowledge: { provider: "p" } }),
        },
        { env: { SET_KEY: "k" } },
      );
      const { loose, strict } = await bothModes(w);
      const r = ready(loose);
      expect(r.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
      expect(r.quarantined).toEqual([
        {
          graph_id: "knowledge",
          layer: 2,
          code: "embedding_provider_unresolved",
          reason: `embedding provider for graph 'knowledge': ${message}`,
        },
      ]);
      expect(failed(strict).code).toBe("strict_settings_quarantine");
    }
  });

  it("resolves a provider key from the world's environment, never the host's", async () => {
    const w = await seeded(
      {
        providers: [{ name: "p", profile: { kind: "openai", api_key: envRef("OG_KEY") } }],
        graphs: twoGraphs({ knowledge: { provider: "p" } }),
      },
      { env: { OG_KEY: "secret" } },
    );
    const r = ready(await boot(w, { strict: true }));
    expect(r.graphs[1]?.embedding).toEqual({
      provider: "openai-compatible",
      model: "text-embedding-3-large",
      base_url: "https://api.openai.com/v1",
    });
    expect(JSON.stringify(r)).not.toContain("secret");
  });

  it("every graph quarantined at layer 2: boot error either way", async () => {
    const bad = { queries: { find_person: "query (" } };
    const w = await seeded({ graphs: twoGraphs({ archive: bad, knowledge: bad }) });
    const { loose, strict } = await bothModes(w);
    for (const r of [loose, strict]) {
      const f = failed(r);
      expect(f.code).toBe("no_healthy_graphs");
      expect(f.message).toContain(
        "the cluster at '/cluster' has no healthy graphs to serve (quarantined: archive: ",
      );
    }
  });

  it("no tokens, no policy, not --unauthenticated / a policy without tokens: boot error either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    for (const strict of [false, true]) {
      const f = failed(await boot(w, { strict, unauthenticated: false }));
      expect(f.code).toBe("unauthenticated_not_allowed");
      expect(f.message).toContain("--unauthenticated");
    }
    const p = await seeded({
      graphs: twoGraphs(),
      policies: [{ name: "r", text: readerGraphPolicy(["a"]), appliesTo: ["graph.archive"] }],
    });
    for (const strict of [false, true]) {
      // Even `--unauthenticated` cannot serve a policy nobody can authenticate against.
      expect(failed(await boot(p, { strict })).code).toBe("policy_without_tokens");
    }
  });

  it("the unauthenticated flag also comes from the environment, by upstream's env_flag rule", async () => {
    for (const [value, allowed] of [
      ["1", true],
      ["yes", true],
      [" False ", false],
      ["0", false],
      ["  ", false],
    ] as const) {
      const w = await seeded(
        { graphs: twoGraphs() },
        { env: { OMNIGRAPH_UNAUTHENTICATED: value } },
      );
      expect((await boot(w, { unauthenticated: false })).kind).toBe(allowed ? "ready" : "failed");
    }
  });

  it("a server (cluster-bound) policy that fails to load: boot error either way", async () => {
    const bundles = [readerGraphPolicy(["a"]), "rules: []\n", "version: 2\n"];
    for (const text of bundles) {
      const w = await seeded(
        { graphs: twoGraphs(), policies: [{ name: "srv", text, appliesTo: ["cluster"] }] },
        { env: { OMNIGRAPH_SERVER_BEARER_TOKEN: "t" } },
      );
      const { loose, strict } = await bothModes(w);
      for (const r of [loose, strict]) expect(failed(r).code).toBe("server_policy_invalid");
    }
    const w = await seeded(
      {
        graphs: twoGraphs(),
        policies: [{ name: "srv", text: readerGraphPolicy(["a"]), appliesTo: ["cluster"] }],
      },
      { env: { OMNIGRAPH_SERVER_BEARER_TOKEN: "t" } },
    );
    expect(failed(await boot(w)).message).toBe(
      "policy rule 'readers-query' uses per-graph action 'read' in a Server policy file; move it to a per-graph policy file",
    );
  });

  it("a graph root missing / not openable: quarantine / strict: boot error", async () => {
    const missing = await seeded({ graphs: twoGraphs() }, {}, ["archive"]);
    const junk = await seeded({ graphs: twoGraphs() }, {}, ["archive"]);
    await putText(junk, "graphs/knowledge.omni/_schema.pg", "junk");
    for (const w of [missing, junk]) {
      const { loose, strict } = await bothModes(w);
      const r = ready(loose);
      expect(r.graphs.map((g) => g.graph_id)).toEqual(["archive"]);
      expect(r.quarantined).toMatchObject([
        { graph_id: "knowledge", layer: 3, code: "graph_open_failed" },
      ]);
      expect(r.diagnostics).toMatchObject([{ code: "graph_open_failed", path: "graph.knowledge" }]);
      const f = failed(strict);
      expect(f.code).toBe("strict_open_failed");
      expect(f.message).toBe(
        "strict multi-graph startup requires every graph to open (2 configured, 1 failed)",
      );
    }
  });

  it("an engine recovery error during the read-write open: quarantine / strict: boot error", async () => {
    const rig = new ServeRig();
    rig
      .write("people.pg", SERVER_PEOPLE_PG)
      .write(
        "cluster.yaml",
        "version: 1\ngraphs:\n  archive:\n    schema: ./people.pg\n  knowledge:\n    schema: ./knowledge.pg\n",
      )
      .write("knowledge.pg", SERVER_PEOPLE_PG);
    await rig.converge();
    // Leave schema staging behind in `knowledge` (the proof retires the cluster sidecar).
    rig.write("knowledge.pg", "\nnode Person {\n  name: String @key\n  bio: String?\n}\n");
    rig.world.failpoints.set("schema_apply.after_staging_write", "1*return");
    await expect(rig.apply()).rejects.toThrow(/schema_apply_failed/);
    for (const strict of [false, true]) {
      rig.world.failpoints.set("engine.recovery.promote_staging.before", "1*error(disk on fire)");
      const r = (await rig.boot({ unauthenticated: true, strict })).result;
      if (!strict) {
        expect(ready(r).graphs.map((g) => g.graph_id)).toEqual(["archive"]);
        expect(ready(r).quarantined).toMatchObject([
          { graph_id: "knowledge", layer: 3, code: "graph_open_failed" },
        ]);
        expect(ready(r).quarantined[0]?.reason).toContain("disk on fire");
      } else {
        expect(failed(r).code).toBe("strict_open_failed");
      }
    }
  });

  it("a graph id the server refuses (cluster ids may hold `_`): quarantine without opening / strict: boot error", async () => {
    const w = await seeded({
      graphs: [...twoGraphs(), { id: "team_notes", schema: SERVER_PEOPLE_PG }],
    });
    const { loose, strict } = await bothModes(w);
    const r = ready(loose);
    expect(r.quarantined).toMatchObject([
      { graph_id: "team_notes", layer: 3, code: "graph_id_invalid" },
    ]);
    expect(r.quarantined[0]?.reason).toContain("no underscores");
    expect(failed(strict).code).toBe("strict_open_failed");
  });

  it("a stored query that fails the live schema check: quarantine / strict: boot error", async () => {
    const ageQuery = SERVER_FIND_PERSON_GQ.replace(
      "return { $p.name }",
      "return { $p.name, $p.age }",
    );
    const w = await seeded({
      graphs: twoGraphs({ knowledge: { queries: { find_person: ageQuery } } }),
    });
    const { loose, strict } = await bothModes(w);
    const r = ready(loose);
    expect(r.quarantined).toMatchObject([
      { graph_id: "knowledge", layer: 3, code: "stored_query_typecheck_failed" },
    ]);
    expect(r.quarantined[0]?.reason).toMatch(
      /^graph 'knowledge': 1 stored query failed the schema check:\n {2}query 'find_person': type error: /,
    );
    expect(failed(strict).code).toBe("strict_open_failed");
  });

  it("a graph-bound bundle that fails to load: quarantine / strict: boot error", async () => {
    const w = await seeded(
      {
        graphs: twoGraphs(),
        policies: [
          { name: "good", text: readerGraphPolicy(["act-reader"]), appliesTo: ["graph.archive"] },
          { name: "bad", text: "rules: []\n", appliesTo: ["graph.knowledge"] },
        ],
      },
      { env: { OMNIGRAPH_SERVER_BEARER_TOKEN: "t" } },
    );
    const { loose, strict } = await bothModes(w);
    const r = ready(loose);
    expect(r.graphs).toMatchObject([{ graph_id: "archive", policy: true }]);
    expect(r.quarantined).toEqual([
      {
        graph_id: "knowledge",
        layer: 3,
        code: "graph_policy_invalid",
        reason: "missing field `version`",
      },
    ]);
    expect(failed(strict).code).toBe("strict_open_failed");
  });

  it("nothing opened: boot error either way", async () => {
    const w = await seeded({ graphs: twoGraphs() }, {}, []);
    const { loose, strict } = await bothModes(w);
    const f = failed(loose);
    expect(f.code).toBe("no_graphs_opened");
    expect(f.message).toBe(
      "no healthy graphs opened from multi-graph startup config (2 configured, 2 failed)",
    );
    expect(failed(strict).code).toBe("strict_open_failed");
  });

  it("a held cluster state lock is not an error, either way", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await putText(
      w,
      "__cluster/lock.json",
      '{"version":1,"lock_id":"L","operation":"apply","created_at":"1970-01-01T00:00:00Z","pid":123}',
    );
    const { loose, strict } = await bothModes(w);
    expect(ready(loose).graphs).toHaveLength(2);
    expect(ready(strict).graphs).toHaveLength(2);
  });

  it("strict mode also comes from OMNIGRAPH_REQUIRE_ALL_GRAPHS (env_flag), and only turns strictness on", async () => {
    for (const [value, strictOn] of [
      ["1", true],
      ["TRUE", true],
      ["false", false],
      ["FALSE", false],
      ["0", false],
      ["", false],
    ] as const) {
      const w = await seeded(
        { graphs: twoGraphs() },
        { env: { OMNIGRAPH_REQUIRE_ALL_GRAPHS: value } },
      );
      await seedSidecar(w, { id: "01S", graphId: "knowledge" });
      const r = await boot(w, { strict: false });
      expect(r.kind).toBe(strictOn ? "failed" : "ready");
      if (r.kind === "ready") expect(r.require_all_graphs).toBe(false);
    }
  });
});

describe("boot is read-only towards the cluster, and runs engine recovery", () => {
  it("writes nothing on a healthy boot, and never touches __cluster/", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await seedSidecar(w, { id: "01S", graphId: "knowledge" });
    const server = w.spawn("server");
    ready(await bootServer(server, { clusterRoot: ROOT, unauthenticated: true }));
    const writes = w.trace.events.filter(
      (e) => e.t === "call" && e.pid === server.pid && e.step !== undefined,
    );
    expect(writes).toEqual([]);
  });

  it("a boot completes an engine schema apply that stopped after staging (read-write open)", async () => {
    const rig = new ServeRig().serverFixture();
    await rig.converge();
    const v2 = "\nnode Person {\n  name: String @key\n  bio: String?\n}\n";
    rig.write("people.pg", v2);
    rig.world.failpoints.set("schema_apply.after_staging_write", "1*return");
    await expect(rig.apply()).rejects.toThrow(/schema_apply_failed/);
    // The pre-movement proof found nothing moved and removed the cluster sidecar.
    expect(await rig.world.store.list("__cluster/recoveries")).toEqual([]);
    const out = await rig.boot({ unauthenticated: true });
    ready(out.result);
    expect(out.registry?.graphs.get("knowledge")?.graph.schemaSource()).toBe(v2);
  });

  it("a death during boot propagates (it is never swallowed into a quarantine)", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    const server = w.spawn("server");
    let reads = 0;
    w.gate = async (p: Process) => {
      if (p === server && ++reads === 6) p.kill("killed mid-boot");
    };
    await expect(
      bootServer(server, { clusterRoot: ROOT, unauthenticated: true }),
    ).rejects.toMatchObject({
      name: "ProcessDeath",
    });
  });
});

describe("pre-#284 serve (defect serve-refuses-any-sidecar)", () => {
  const defects = ["serve-refuses-any-sidecar"] as const;

  it("any sidecar refuses the whole cluster with one cluster_recovery_pending at __cluster/recoveries", async () => {
    const w = await seeded({ graphs: twoGraphs() }, { defects });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    const f = failed(await boot(w));
    expect(f.code).toBe("cluster_not_ready");
    expect(f.diagnostics).toMatchObject([
      { code: "cluster_recovery_pending", severity: "error", path: "__cluster/recoveries" },
    ]);
    expect(f.message).toContain("1 interrupted operation(s) await recovery");
  });

  it("startup settings are all-or-nothing: one unparseable stored query refuses the boot", async () => {
    const w = await seeded(
      { graphs: twoGraphs({ knowledge: { queries: { find_person: "query (" } } }) },
      { defects },
    );
    const f = failed(await boot(w));
    expect(f.code).toBe("stored_queries_invalid");
    expect(f.message).toContain(
      "stored queries in the applied revision failed to parse:\n  stored query 'find_person': parse error: ",
    );
    expect(f.message).toContain("run `cluster refresh` then `cluster apply`, and restart");
  });

  it("startup settings are all-or-nothing: one unresolvable provider refuses the boot", async () => {
    const w = await seeded(
      {
        providers: [{ name: "p", profile: { kind: "openai", api_key: envRef("UNSET") } }],
        graphs: twoGraphs({ archive: { provider: "p" } }),
      },
      { defects },
    );
    const f = failed(await boot(w));
    expect(f.code).toBe("embedding_provider_unresolved");
    expect(f.message).toBe(
      "embedding provider for graph 'archive': embedding api_key env var 'UNSET' is not set",
    );
  });

  it("opening is all-or-nothing: the first graph that fails to open refuses the boot", async () => {
    const w = await seeded({ graphs: twoGraphs() }, { defects }, ["knowledge"]);
    const f = failed(await boot(w));
    expect(f.code).toBe("graph_open_failed");
    expect(f.message).toContain("open graph 'archive' at /cluster/graphs/archive.omni: ");
  });

  it("the same cluster boots (with a quarantine) after the fix", async () => {
    const w = await seeded({ graphs: twoGraphs() });
    await seedSidecar(w, { id: "01SERVE", graphId: "knowledge" });
    expect(ready(await boot(w)).graphs.map((g) => g.graph_id)).toEqual(["archive"]);
  });
});

// ---- helpers ----

async function editLedger(
  w: World,
  edit: (resources: Record<string, Record<string, unknown>>) => void,
): Promise<void> {
  const text = (await w.store.get("__cluster/state.json"))?.text ?? "";
  const state = JSON.parse(text);
  edit(state.applied_revision.resources);
  await putText(w, "__cluster/state.json", JSON.stringify(state, null, 2));
}

/** A fault layer whose reads of `key` fail with an I/O error. */
function failReads(w: World, key: string): void {
  const base = new NoFaults(w.store);
  w.faults = Object.assign(Object.create(base), {
    get: (p: Process, k: string) =>
      k === key
        ? Promise.reject(new StoreError("io", k, `injected read failure on '${k}'`))
        : base.get(p, k),
  });
}

/** A fault layer whose listing of the recoveries directory fails. */
function failListing(w: World): void {
  const base = new NoFaults(w.store);
  w.faults = Object.assign(Object.create(base), {
    list: (p: Process, dir: string) =>
      dir === "__cluster/recoveries"
        ? Promise.reject(new StoreError("io", dir, "injected listing failure"))
        : base.list(p, dir),
  });
}
