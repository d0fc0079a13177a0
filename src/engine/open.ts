import type { Process } from "../world/process.ts";
import type { GraphContext, OpenMode, PolicyChecker } from "./context.ts";
import { EngineError } from "./errors.ts";
import { type Graph, GraphHandle } from "./graph.ts";
import { compileOrReject } from "./init.ts";
import { SCHEMA_IR, SCHEMA_STATE } from "./layout.ts";
import { reconcileStaging } from "./recovery/staging.ts";
import { recoverManifestDrift } from "./recovery/sweep.ts";
import { compiledFromIr } from "./schema/compile.ts";
import { blockingBranches } from "./schemaApply/lock.ts";
import { listBranches } from "./store/branches.ts";
import { GraphStorage } from "./store/graphStorage.ts";
import { requireHead } from "./store/manifest.ts";
import {
  lockConflict,
  readContract,
  readLiveSource,
  validatePersistedContract,
  validateSourceMatches,
  writeContract,
} from "./store/schemaFiles.ts";
import { listSidecars } from "./store/sidecars.ts";

export interface OpenOptions {
  /** An engine-layer policy checker; none by default (every action allowed). */
  readonly policy?: PolicyChecker | null;
}

/**
 * Opens a graph root (spec §4.3). A read-write open first reconciles schema staging and
 * then sweeps engine sidecars (roll forward or back); a read-only open recovers nothing and
 * so sees any pre-recovery state as it is. Either mode bootstraps a missing schema contract.
 */
export async function openGraph(
  proc: Process,
  root: string,
  mode: OpenMode,
  opts: OpenOptions = {},
): Promise<Graph> {
  const storage = new GraphStorage(proc, root);
  const head = await requireHead(storage);
  if (mode === "read_write") {
    if (proc.world.hasDefect("open-refuses-recoverable-residue")) {
      const pending = await listSidecars(storage);
      if (pending.length > 0)
        throw new EngineError(
          "recovery_invariant",
          `refusing to open with ${pending.length} pending recovery sidecar(s); recover by hand`,
        );
    }
    const staging = await reconcileStaging(storage, head);
    await recoverManifestDrift(storage, staging);
  }
  const source = await readLiveSource(storage);
  const current = compileOrReject(source);
  const contract = await readContract(storage);
  let accepted = current;
  if (contract.kind === "present") {
    validatePersistedContract(contract.ir, contract.state);
    validateSourceMatches(contract.state, current);
    const fromIr = compiledFromIr(contract.ir);
    if ("error" in fromIr) throw lockConflict(fromIr.error);
    accepted = fromIr;
  } else if (contract.kind === "partial") {
    throw lockConflict(
      "graph schema state is incomplete (_schema.ir.json and __schema_state.json must either both exist or both be absent)",
    );
  } else {
    const publicNonMain = blockingBranches(await listBranches(storage));
    if (publicNonMain.length > 0) {
      throw lockConflict(
        `graph is missing persisted schema state and has public branches (${publicNonMain.join(", ")}); public branches block schema evolution entirely`,
      );
    }
    // Bootstrapped on every open, read-only ones included, as upstream does: the one place a
    // read-only open writes (and so where F23's window opens at sweeps, proofs and boots too).
    await writeContract(storage, current.ir, {
      irRel: SCHEMA_IR,
      irStep: "engine.recovery.bootstrap_schema_ir",
      stateRel: SCHEMA_STATE,
      stateStep: "engine.recovery.bootstrap_schema_state",
    });
  }
  const ctx: GraphContext = {
    proc,
    storage,
    mode,
    policy: opts.policy ?? null,
    live: { source, compiled: accepted },
  };
  return new GraphHandle(ctx);
}
