import type { WorkTree } from "../../src/cluster/worktree.ts";
import type { DefectName } from "../../src/world/defects.ts";
import type { Process } from "../../src/world/process.ts";
import type { MemoryStore } from "../../src/world/store/MemoryStore.ts";

/**
 * The system under test as the universe drives it: one function per operator action. The
 * universe never imports the cluster, server or engine directly; this seam keeps the
 * per-universe code readable and lets a test swap in a deliberately broken system.
 */
export interface Diag {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly path: string;
  readonly message: string;
}

export interface ChangeView {
  readonly resource: string;
  readonly operation: string;
  readonly disposition?: string | undefined;
  readonly reason?: string | undefined;
  readonly before_digest?: string | null | undefined;
  readonly after_digest?: string | null | undefined;
}

export interface CommandView {
  readonly ok: boolean;
  readonly diagnostics: readonly Diag[];
}

export interface ApplyView extends CommandView {
  readonly converged: boolean;
  readonly state_written: boolean;
  readonly changes: readonly ChangeView[];
}

export interface BootView {
  readonly ok: boolean;
  /** Ready graph ids, sorted. */
  readonly ready: readonly string[];
  readonly quarantined: ReadonlyArray<{
    readonly graphId: string;
    readonly code: string;
    readonly reason: string;
  }>;
  /** On failure: the stable code and the diagnostics' codes and paths. */
  readonly failureCode: string | null;
  /** On failure: the refusal's own message (a refusal may carry no diagnostic of its own). */
  readonly failureMessage?: string;
  readonly diagnostics: readonly Diag[];
  /** What a ready server enforces, to hold against what apply recorded (absent when failed). */
  readonly enforced?: Enforced;
}

/** A ready server's policy, queries and embedding per graph, as loaded into its registry. */
export interface Enforced {
  /** sha256 of the cluster-bound bundle in force, or null when none is. */
  readonly serverPolicyDigest: string | null;
  /** One entry per ready graph, sorted by id. */
  readonly graphs: ReadonlyArray<{
    readonly graphId: string;
    /** sha256 of the graph-bound bundle in force, or null when none governs the graph. */
    readonly policyDigest: string | null;
    /** Served stored queries: name to sha256 of the source. */
    readonly queries: Readonly<Record<string, string>>;
    readonly embedding: { readonly provider: string; readonly model: string } | null;
  }>;
}

export interface ClusterCtx {
  readonly proc: Process;
  readonly workTree: WorkTree;
  readonly configDir: string;
}

/** What a graph settles to once the engine's own recovery has run (a read-write open). */
export type Settled =
  | { readonly kind: "absent" }
  | { readonly kind: "unopenable"; readonly error: string }
  | { readonly kind: "open"; readonly schemaDigest: string; readonly rows: readonly string[] };

export interface System {
  validate(ctx: ClusterCtx): Promise<CommandView>;
  apply(ctx: ClusterCtx, actor: string | undefined): Promise<ApplyView>;
  plan(ctx: ClusterCtx): Promise<CommandView>;
  status(ctx: ClusterCtx): Promise<CommandView>;
  refresh(ctx: ClusterCtx): Promise<CommandView>;
  importState(ctx: ClusterCtx): Promise<CommandView>;
  approve(ctx: ClusterCtx, resource: string): Promise<CommandView>;
  forceUnlock(ctx: ClusterCtx, lockId: string): Promise<CommandView>;
  boot(
    proc: Process,
    opts: { readonly strict: boolean; readonly workTree: WorkTree },
  ): Promise<BootView>;
  /** Out-of-band engine actions on a graph root; failures are returned, never thrown. */
  branchCreate(proc: Process, root: string, branch: string): Promise<CommandView>;
  branchDelete(proc: Process, root: string, branch: string): Promise<CommandView>;
  insert(
    proc: Process,
    root: string,
    rows: ReadonlyArray<Record<string, unknown>>,
  ): Promise<CommandView>;
  openReadWrite(proc: Process, root: string): Promise<CommandView>;
  /**
   * Opens each graph of a snapshot read-write in a scratch world (no failpoints, no trace) and
   * reports what it settles to: the crash contract's "applied or not applied" test.
   */
  settle(
    snapshot: MemoryStore,
    graphIds: readonly string[],
    defects: readonly DefectName[],
  ): Promise<Record<string, Settled>>;
  /** Loads rows into a graph at birth. */
  seedRows(
    proc: Process,
    root: string,
    rows: ReadonlyArray<Record<string, unknown>>,
  ): Promise<CommandView>;
}
