/**
 * A reusable reproduction of upstream's shared cluster test fixture
 * (crates/omnigraph-cluster/src/tests.rs and tests/failpoints.rs @7fd23c54), over a memfs
 * working tree and a simulated world.
 *
 * Layout: the config dir `/cluster` in the working tree holds `cluster.yaml`, `people.pg`,
 * `people.gq` (query `find_person`) and `base.policy.yaml` (the 10-byte `rules: []\n`). The
 * cluster declares graph `knowledge` (schema + `find_person`) and policy `base` bound to
 * `knowledge`, with `state.lock: true`. With no `storage:` key the storage root is the config
 * dir, which the model maps to the object store root, so the ledger is the store key
 * `__cluster/state.json` and the derived graph root is `graphs/knowledge.omni`.
 *
 * Every command helper spawns a fresh process (a CLI invocation) and runs the command in
 * it; `runAs` returns the death instead of throwing when the process is killed.
 *
 *   const f = clusterFixture();            // tests.rs fixture (with `metadata.name: test`)
 *   f.seedApplyableState();                // ledger: graph + schema at the desired digests
 *   const out = await f.apply();           // ApplyOutput
 *   f.stateJson();                         // parsed __cluster/state.json
 *
 * Seeds write raw store objects as the harness (never through model code), byte-for-byte
 * like upstream's helpers: `seedStateResources` is serde's pretty JSON with sorted keys and
 * no trailing newline; `seedFailpointsApplyableState` is the failpoints.rs raw text.
 */
import type { Volume } from "memfs";
import {
  type ApplyOptions,
  type ApplyOutput,
  type ApproveOutput,
  apply,
  approve,
  type ClusterContext,
  type ForceUnlockOutput,
  forceUnlock,
  graphDigest,
  importState,
  type PlanOutput,
  plan,
  refresh,
  type StateSyncOutput,
  type StatusOutput,
  sha256Hex,
  status,
  type ValidateOutput,
  validate,
  type WorkTree,
} from "../../src/cluster/index.ts";
import { initGraph } from "../../src/engine/index.ts";
import type { DefectName } from "../../src/world/defects.ts";
import type { Process } from "../../src/world/process.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";
import {
  type BackendProfile,
  backendStore,
  installBackendProfile,
} from "../../src/world/store/profiles.ts";
import { World } from "../../src/world/world.ts";
import { CONFIG_DIR, fixtureTree, SCHEMA, SCHEMA_V2 } from "./fixtureFiles.ts";

export * from "./fixtureFiles.ts";

export interface FixtureOptions {
  readonly seed?: number | string;
  /** `tests` (default) is tests.rs's fixture; `failpoints` drops the metadata block. */
  readonly variant?: "tests" | "failpoints";
  readonly defects?: Iterable<DefectName>;
  readonly env?: Readonly<Record<string, string>>;
  readonly trace?: boolean;
  /** The storage backend the world runs over (src/world/store/profiles.ts); object-store when absent. */
  readonly backend?: BackendProfile;
}

export type RunResult<T> =
  | { readonly kind: "returned"; readonly value: T }
  | { readonly kind: "died"; readonly cause: string };

export class ClusterFixture {
  readonly world: World;
  readonly store: MemoryStore;
  readonly vol: Volume;
  readonly workTree: WorkTree;
  readonly configDir = CONFIG_DIR;
  private harness: Process | undefined;

  constructor(opts: FixtureOptions = {}) {
    this.store = backendStore(opts.backend ?? "object-store");
    this.world = World.simulated(opts.seed ?? 1, {
      store: this.store,
      ...(opts.defects ? { defects: opts.defects } : {}),
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.trace !== undefined ? { trace: opts.trace } : {}),
    });
    installBackendProfile(this.world, opts.backend ?? "object-store");
    const tree = fixtureTree(opts.variant ?? "tests");
    this.vol = tree.vol;
    this.workTree = tree.workTree;
  }

  // ---- working tree ----

  /** Writes a file relative to the config dir (bytes are written as-is). */
  writeFile(relative: string, content: string | Uint8Array): void {
    const path = `${CONFIG_DIR}/${relative}`;
    const dir = path.slice(0, path.lastIndexOf("/"));
    this.vol.mkdirSync(dir, { recursive: true });
    this.vol.writeFileSync(path, content);
  }

  readFile(relative: string): string {
    return String(this.vol.readFileSync(`${CONFIG_DIR}/${relative}`, "utf8"));
  }

  /** Switches the desired schema to V2 (`bio: String?`). */
  useSchemaV2(): void {
    this.writeFile("people.pg", SCHEMA_V2);
  }

  // ---- processes and commands ----

  /** A fresh process and its command context. */
  ctx(name = "cli"): ClusterContext {
    return { proc: this.world.spawn(name), workTree: this.workTree, configDir: CONFIG_DIR };
  }

  /** The harness's own process, for seeding through the engine. */
  harnessProc(): Process {
    if (this.harness === undefined || !this.harness.alive)
      this.harness = this.world.spawn("harness");
    return this.harness;
  }

  /** Runs a command in a fresh process, turning its death into data. */
  async runAs<T>(name: string, f: (ctx: ClusterContext) => Promise<T>): Promise<RunResult<T>> {
    const ctx = this.ctx(name);
    return World.run(ctx.proc, () => f(ctx));
  }

  /** `apply` in a fresh process, reporting a death (a crash failpoint, a kill trigger) as data. */
  runApply(options: ApplyOptions = {}): Promise<RunResult<ApplyOutput>> {
    return this.runAs("apply", (ctx) => apply(ctx, options));
  }

  validate(): Promise<ValidateOutput> {
    return validate(this.ctx("validate"));
  }
  plan(): Promise<PlanOutput> {
    return plan(this.ctx("plan"));
  }
  apply(options: ApplyOptions = {}): Promise<ApplyOutput> {
    return apply(this.ctx("apply"), options);
  }
  approve(resource: string, approvedBy: string): Promise<ApproveOutput> {
    return approve(this.ctx("approve"), resource, approvedBy);
  }
  status(): Promise<StatusOutput> {
    return status(this.ctx("status"));
  }
  refresh(): Promise<StateSyncOutput> {
    return refresh(this.ctx("refresh"));
  }
  importState(): Promise<StateSyncOutput> {
    return importState(this.ctx("import"));
  }
  forceUnlock(lockId: string): Promise<ForceUnlockOutput> {
    return forceUnlock(this.ctx("force-unlock"), lockId);
  }

  // ---- store inspection ----

  text(key: string): string | null {
    return this.store.getSync(key)?.text ?? null;
  }

  has(key: string): boolean {
    return this.store.keys().some((k) => k === key || k.startsWith(`${key}/`));
  }

  stateText(): string | null {
    return this.text("__cluster/state.json");
  }

  // biome-ignore lint/suspicious/noExplicitAny: test helper returning parsed JSON for assertions
  stateJson(): any {
    const t = this.stateText();
    if (t === null) throw new Error("no __cluster/state.json");
    return JSON.parse(t);
  }

  /** Sidecar keys under `__cluster/recoveries/`, sorted. */
  sidecarKeys(): string[] {
    return this.store.keys().filter((k) => k.startsWith("__cluster/recoveries/"));
  }

  // biome-ignore lint/suspicious/noExplicitAny: test helper returning parsed JSON for assertions
  sidecars(): any[] {
    return this.sidecarKeys().map((k) => JSON.parse(this.text(k) ?? "null"));
  }

  approvalKeys(): string[] {
    return this.store.keys().filter((k) => k.startsWith("__cluster/approvals/"));
  }

  lockText(): string | null {
    return this.text("__cluster/lock.json");
  }

  /** The derived graph root as upstream records it (`<config dir>/graphs/<g>.omni`). */
  derivedGraphUri(graphId: string): string {
    return `${CONFIG_DIR}/graphs/${graphId}.omni`;
  }

  graphKey(graphId: string): string {
    return `graphs/${graphId}.omni`;
  }

  queryPayloadKey(digest: string): string {
    return `__cluster/resources/query/knowledge/find_person/${digest}.gq`;
  }

  policyPayloadKey(digest: string): string {
    return `__cluster/resources/policy/base/${digest}.yaml`;
  }

  // ---- digests ----

  schemaDigest(source: string = SCHEMA): string {
    return sha256Hex(source);
  }

  /** The composite of a graph with the given schema and no queries or provider. */
  bareGraphDigest(graphId = "knowledge", source: string = SCHEMA): string {
    return graphDigest(graphId, sha256Hex(source), new Map(), undefined, undefined);
  }

  // ---- seeds (raw store writes, as the harness) ----

  async put(key: string, text: string): Promise<void> {
    await this.store.put(key, text);
  }

  /**
   * `write_state_resources`: revision 1, the given `address → digest` entries; pretty JSON
   * without a trailing newline, as `serde_json::to_string_pretty(&json!(..))` renders it
   * (upstream's build enables serde_json's preserve_order, so keys keep insertion order).
   */
  async seedStateResources(resources: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const map = Object.fromEntries(resources.map(([a, d]) => [a, { digest: d }]));
    const value = { version: 1, state_revision: 1, applied_revision: { resources: map } };
    await this.put("__cluster/state.json", JSON.stringify(value, null, 2));
  }

  /** `write_applyable_state`: graph + schema at the desired digests, nothing else applied. */
  async seedApplyableState(source: string = SCHEMA): Promise<void> {
    await this.seedStateResources([
      ["graph.knowledge", this.bareGraphDigest("knowledge", source)],
      ["schema.knowledge", this.schemaDigest(source)],
    ]);
  }

  /** failpoints.rs `seed_applyable_state`: the placeholder composite `seed` (converges as derived). */
  async seedFailpointsApplyableState(): Promise<void> {
    const d = this.schemaDigest();
    await this.put(
      "__cluster/state.json",
      `{\n  "version": 1,\n  "state_revision": 1,\n  "applied_revision": {\n    "resources": {\n      "graph.knowledge": { "digest": "seed" },\n      "schema.knowledge": { "digest": "${d}" }\n    }\n  }\n}\n`,
    );
  }

  /** An empty ledger (`write_state_resources(dir, &[])`). */
  async seedEmptyState(): Promise<void> {
    await this.seedStateResources([]);
  }

  /** `seed_deletable_state`: applyable knowledge + a stale `old` subtree with a fake root. */
  async seedDeletableState(): Promise<void> {
    await this.seedStateResources([
      ["graph.knowledge", this.bareGraphDigest()],
      ["schema.knowledge", this.schemaDigest()],
      ["graph.old", "3333"],
      ["schema.old", "4444"],
      ["query.old.q", "5555"],
    ]);
    await this.put("graphs/old.omni/_schema.pg", "stale");
  }

  /** Initializes a real graph at the derived root through the engine. */
  async initLiveGraph(graphId = "knowledge", source: string = SCHEMA): Promise<void> {
    await initGraph(this.harnessProc(), this.graphKey(graphId), source);
  }

  /** A root that exists but does not open (`_schema.pg` = `junk`; init refuses it too). */
  async seedJunkRoot(graphId = "knowledge"): Promise<void> {
    await this.put(`graphs/${graphId}.omni/_schema.pg`, "junk");
  }

  /** `converge_with_live_graph`: live graph, applyable ledger, one converging apply. */
  async convergeWithLiveGraph(): Promise<ApplyOutput> {
    await this.initLiveGraph();
    await this.seedApplyableState();
    const out = await this.apply();
    if (!out.ok || !out.converged) {
      throw new Error(`fixture apply did not converge: ${JSON.stringify(out.diagnostics)}`);
    }
    return out;
  }

  private async writeSidecar(operationId: string, body: Record<string, unknown>): Promise<string> {
    const key = `__cluster/recoveries/${operationId}.json`;
    await this.put(key, JSON.stringify(body, null, 2));
    return key;
  }

  /** `write_create_sidecar`: minimal graph_create sidecar (optional fields omitted). */
  writeCreateSidecar(
    graphId: string,
    desiredSchemaDigest: string,
    operationId: string,
  ): Promise<string> {
    return this.writeSidecar(operationId, {
      schema_version: 1,
      operation_id: operationId,
      started_at: "1970-01-01T00:00:00Z",
      kind: "graph_create",
      graph_id: graphId,
      graph_uri: this.derivedGraphUri(graphId),
      desired_schema_digest: desiredSchemaDigest,
    });
  }

  /** `write_schema_apply_sidecar`. */
  writeSchemaApplySidecar(
    graphId: string,
    desiredSchemaDigest: string,
    operationId: string,
  ): Promise<string> {
    return this.writeSidecar(operationId, {
      schema_version: 1,
      operation_id: operationId,
      started_at: "1970-01-01T00:00:00Z",
      kind: "schema_apply",
      graph_id: graphId,
      graph_uri: this.derivedGraphUri(graphId),
      desired_schema_digest: desiredSchemaDigest,
    });
  }

  /** `write_delete_sidecar`. */
  writeDeleteSidecar(
    graphId: string,
    approvalId: string | null,
    operationId: string,
  ): Promise<string> {
    return this.writeSidecar(operationId, {
      schema_version: 1,
      operation_id: operationId,
      started_at: "1970-01-01T00:00:00Z",
      kind: "graph_delete",
      graph_id: graphId,
      graph_uri: this.derivedGraphUri(graphId),
      desired_schema_digest: "",
      approval_id: approvalId,
    });
  }

  /** `write_lock_file`: a lock held by someone else. */
  async writeLockFile(lockId: string, operation: string): Promise<void> {
    await this.put(
      "__cluster/lock.json",
      JSON.stringify({
        version: 1,
        lock_id: lockId,
        operation,
        created_at: "1970-01-01T00:00:00Z",
        pid: 123,
      }),
    );
  }
}

export function clusterFixture(opts: FixtureOptions = {}): ClusterFixture {
  return new ClusterFixture(opts);
}

/** Diagnostic codes of an output, for terse assertions. */
export function codes(out: { diagnostics: ReadonlyArray<{ code: string }> }): string[] {
  return out.diagnostics.map((d) => d.code);
}

/** The change for one resource in an output (throws when absent). */
export function changeFor<C extends { resource: string }>(
  out: { changes: readonly C[] },
  resource: string,
): C {
  const c = out.changes.find((x) => x.resource === resource);
  if (c === undefined) throw new Error(`no change for ${resource}`);
  return c;
}
