import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/cluster/diagnostics.ts";
import { emptyState, stateToJson } from "../../src/cluster/records/state.ts";
import { ClusterStore } from "../../src/cluster/store/ClusterStore.ts";
import {
  parseLockText,
  parseStateText,
  serializeLock,
  serializeState,
} from "../../src/cluster/store/codecs.ts";
import { locationKey, storageRootFor } from "../../src/cluster/store/locations.ts";
import { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import { World } from "../../src/world/world.ts";

function storeFixture() {
  const mem = new MemoryStore();
  const world = World.simulated(7, { store: mem });
  const proc = world.spawn("test");
  return { mem, world, proc, store: ClusterStore.forConfigDir(proc, "/cluster") };
}

const MINIMAL = '{"version":1,"applied_revision":{"resources":{}}}';

describe("state.json", () => {
  it("parses a minimal ledger with defaults", () => {
    const r = parseStateText(MINIMAL);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.state_revision).toBe(0);
    expect(r.value.applied_revision.config_digest).toBeNull();
    expect(r.value.resource_statuses.size).toBe(0);
  });

  it("a stray field anywhere makes it invalid_state_json", () => {
    for (const text of [
      '{"version":1,"applied_revision":{"resources":{}},"extra":1}',
      '{"version":1,"applied_revision":{"resources":{},"x":1}}',
      '{"version":1,"applied_revision":{"resources":{"graph.g":{"digest":"d","x":1}}}}',
      '{"version":1,"applied_revision":{"resources":{}},"resource_statuses":{"graph.g":{"status":"applied","why":1}}}',
      '{"version":1,"applied_revision":{"resources":{"provider.embedding.p":{"digest":"d","embedding_profile":{"kind":"mock","x":1}}}}}',
    ]) {
      const r = parseStateText(text);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.diagnostic.code).toBe("invalid_state_json");
        expect(r.diagnostic.message).toContain("unknown field");
      }
    }
  });

  it("truncated, mistyped and unknown-status ledgers are invalid_state_json", () => {
    for (const text of [
      MINIMAL.slice(0, 20),
      "",
      '{"version":1}',
      '{"version":"1","applied_revision":{"resources":{}}}',
      '{"version":1,"applied_revision":{"resources":{}},"resource_statuses":{"a":{"status":"weird"}}}',
      "[]",
    ]) {
      const r = parseStateText(text);
      expect(r.ok ? "ok" : r.diagnostic.code).toBe("invalid_state_json");
    }
  });

  it("version 2 is unsupported_state_version", () => {
    const r = parseStateText('{"version":2,"applied_revision":{"resources":{}}}');
    expect(r.ok ? null : r.diagnostic).toMatchObject({
      code: "unsupported_state_version",
      path: "state.version",
    });
  });

  it("serialises pretty with a newline, fields in order, maps sorted, nulls and empties omitted", () => {
    const s = emptyState("cfg");
    s.applied_revision.resources.set("schema.b", { digest: "2" });
    s.applied_revision.resources.set("graph.b", {
      digest: "1",
      embedding_provider: "provider.embedding.p",
    });
    s.resource_statuses.set("graph.b", { status: "applied", conditions: [], message: null });
    s.resource_statuses.set("a", { status: "blocked", conditions: ["x"], message: "m" });
    const text = serializeState(s);
    expect(text.endsWith("}\n")).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual([
      "version",
      "state_revision",
      "applied_revision",
      "resource_statuses",
      "approval_records",
      "recovery_records",
      "observations",
    ]);
    const json = stateToJson(s) as {
      applied_revision: { resources: object };
      resource_statuses: object;
    };
    expect(Object.keys(json.applied_revision.resources)).toEqual(["graph.b", "schema.b"]);
    expect(json.resource_statuses).toEqual({
      a: { status: "blocked", conditions: ["x"], message: "m" },
      "graph.b": { status: "applied" },
    });
    // Round trip.
    const back = parseStateText(text);
    expect(back.ok && serializeState(back.value)).toBe(text);
  });

  it("keeps any key, including __proto__", () => {
    const text =
      '{"version":1,"applied_revision":{"resources":{}},"recovery_records":{"__proto__":{"kind":"graph_create"}}}';
    const r = parseStateText(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.recovery_records.get("__proto__")).toEqual({ kind: "graph_create" });
    expect(serializeState(r.value)).toContain('"__proto__"');
  });
});

describe("lock.json", () => {
  it("is pretty JSON without a trailing newline, and parses back", () => {
    const text = serializeLock({
      version: 1,
      lock_id: "L",
      operation: "apply",
      created_at: "t",
      pid: 3,
    });
    expect(text.endsWith("}")).toBe(true);
    expect(parseLockText(text).ok).toBe(true);
  });

  it("refuses invalid and wrong-version locks", () => {
    expect(parseLockText("{").ok ? "" : "invalid").toBe("invalid");
    const v2 = parseLockText(
      '{"version":2,"lock_id":"L","operation":"plan","created_at":"t","pid":1}',
    );
    expect(v2.ok ? null : v2.diagnostic.code).toBe("unsupported_state_lock_version");
  });
});

describe("store listings", () => {
  it("sidecars: invalid, unknown-field and wrong-version files warn and stay", async () => {
    const { mem, store } = storeFixture();
    const good = {
      schema_version: 1,
      operation_id: "01A",
      started_at: "1970-01-01T00:00:00Z",
      kind: "graph_create",
      graph_id: "knowledge",
      graph_uri: "/cluster/graphs/knowledge.omni",
      desired_schema_digest: "d",
    };
    await mem.put("__cluster/recoveries/01A.json", JSON.stringify(good));
    await mem.put("__cluster/recoveries/01B.json", "{ truncated");
    await mem.put(
      "__cluster/recoveries/01C.json",
      JSON.stringify({ ...good, operation_id: "01C", stray: 1 }),
    );
    await mem.put(
      "__cluster/recoveries/01D.json",
      JSON.stringify({ ...good, operation_id: "01D", schema_version: 2 }),
    );
    await mem.put(
      "__cluster/recoveries/01E.json",
      JSON.stringify({ ...good, operation_id: "01E", kind: "mystery" }),
    );
    await mem.put("__cluster/recoveries/README.txt", "not a sidecar");
    const diagnostics: Diagnostic[] = [];
    const listed = await store.sidecars.list(diagnostics);
    expect(listed.map(([uri]) => uri)).toEqual(["file:///cluster/__cluster/recoveries/01A.json"]);
    expect(listed[0]?.[1]).toMatchObject({
      actor: null,
      observed_manifest_version: null,
      approval_id: null,
    });
    expect(diagnostics.map((d) => [d.code, d.severity, d.path])).toEqual([
      ["invalid_recovery_sidecar", "warning", "file:///cluster/__cluster/recoveries/01B.json"],
      ["invalid_recovery_sidecar", "warning", "file:///cluster/__cluster/recoveries/01C.json"],
      [
        "unsupported_recovery_sidecar_version",
        "warning",
        "file:///cluster/__cluster/recoveries/01D.json",
      ],
      ["invalid_recovery_sidecar", "warning", "file:///cluster/__cluster/recoveries/01E.json"],
    ]);
    expect(mem.keys().filter((k) => k.includes("recoveries"))).toHaveLength(6);
  });

  it("approvals: invalid and wrong-version artifacts warn", async () => {
    const { mem, store } = storeFixture();
    await mem.put("__cluster/approvals/X.json", '{"schema_version":1}');
    await mem.put(
      "__cluster/approvals/Y.json",
      JSON.stringify({
        schema_version: 3,
        approval_id: "Y",
        resource: "graph.old",
        operation: "delete",
        reason: "r",
        bound_config_digest: "c",
        approved_by: "me",
        created_at: "t",
      }),
    );
    const diagnostics: Diagnostic[] = [];
    expect(await store.approvals.list(diagnostics)).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual([
      "invalid_approval_artifact",
      "unsupported_approval_version",
    ]);
  });

  it("a listed sidecar name with no object behind it is a read error naming the missing object", async () => {
    // The model's listing also names child directories; the same read error is what a sidecar
    // deleted between the listing and the read gives (upstream's read_text fails not-found).
    const { mem, store } = storeFixture();
    await mem.put("__cluster/recoveries/01Z.json/inner", "x");
    const diagnostics: Diagnostic[] = [];
    expect(await store.sidecars.list(diagnostics)).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.path, d.message])).toEqual([
      [
        "invalid_recovery_sidecar",
        "warning",
        "file:///cluster/__cluster/recoveries/01Z.json",
        "could not read (object '__cluster/recoveries/01Z.json' does not exist); leaving it in place",
      ],
    ]);
  });

  it("a missing recoveries directory lists nothing and warns nothing", async () => {
    const { store } = storeFixture();
    const diagnostics: Diagnostic[] = [];
    expect(await store.sidecars.locations(diagnostics)).toEqual([]);
    expect(diagnostics).toEqual([]);
  });
});

describe("state reads and the CAS write", () => {
  it("reads a corrupt ledger as a diagnostic and never rewrites it", async () => {
    const { mem, store } = storeFixture();
    await mem.put("__cluster/state.json", '{"version":1,');
    const obs = store.observations();
    const r = await store.ledger.read(obs);
    expect(r.ok ? null : r.diagnostic.code).toBe("invalid_state_json");
    expect(obs.state_found).toBe(true);
    expect(obs.state_cas).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(mem.getSync("__cluster/state.json")?.text).toBe('{"version":1,');
  });

  it("a CAS mismatch refuses the write", async () => {
    const { mem, store } = storeFixture();
    await mem.put("__cluster/state.json", MINIMAL);
    const obs = store.observations();
    const r = await store.ledger.read(obs);
    if (!r.ok || r.value.state === null) throw new Error("read failed");
    await mem.put("__cluster/state.json", `${MINIMAL} `);
    const failure = await store.ledger.write(r.value.state, r.value.stateCas, obs);
    expect(failure?.code).toBe("state_cas_mismatch");
    expect(mem.getSync("__cluster/state.json")?.text).toBe(`${MINIMAL} `);
  });

  it("creates only when still absent", async () => {
    const { mem, store } = storeFixture();
    const obs = store.observations();
    expect(await store.ledger.write(emptyState(null), null, obs)).toBeNull();
    expect(mem.getSync("__cluster/state.json")?.text.endsWith("\n")).toBe(true);
    expect((await store.ledger.write(emptyState(null), null, obs))?.code).toBe(
      "state_cas_mismatch",
    );
  });
});

describe("storage locations", () => {
  it("maps the config dir to the store root and other roots to prefixes", () => {
    expect(locationKey("/cluster", "/cluster")).toBe("");
    expect(locationKey("/cluster", "/cluster/graphs/k.omni")).toBe("graphs/k.omni");
    expect(locationKey("/cluster", "file:///cluster/__cluster/recoveries/a.json")).toBe(
      "__cluster/recoveries/a.json",
    );
    expect(locationKey("/cluster", "/data/x")).toBe("@local/data/x");
    expect(locationKey("/cluster", "s3://bucket/p/")).toBe("@s3/bucket/p");
    expect(locationKey("/cluster", "s3://")).toBeNull();
    expect(storageRootFor("/cluster", "s3://bucket/prefix")).toMatchObject({
      ok: true,
      root: {
        kind: "s3",
        uri: "s3://bucket/prefix",
        display: "s3://bucket/prefix",
        prefix: "@s3/bucket/prefix",
      },
    });
    expect(storageRootFor("/cluster", "file:///data/c/")).toMatchObject({
      ok: true,
      root: { kind: "local", uri: "file:///data/c", display: "/data/c", prefix: "@local/data/c" },
    });
    expect(storageRootFor("/cluster", "gs://x").ok).toBe(false);
  });
});
