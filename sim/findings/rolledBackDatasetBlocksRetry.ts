import type { TraceEvent } from "../../src/world/trace.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import { interruptedAfter } from "./interruptedAfter.ts";
import type { KnownFinding } from "./KnownFinding.ts";

export const DATASET_EXISTS = /Dataset already exists: (graphs\/[^/\s;]+\.omni\/[^\s;]+)/;

/**
 * An earlier apply (before `before`, all steps for -1) created the dataset at `path` and then
 * failed its schema apply of that graph with the manifest unmoved: the engine's own error (a
 * stale view, say) stops Phase B as an injected one does, and leaves the sidecar to roll back.
 */
function failedAfterCreate(
  input: JudgeInput,
  before: number,
  path: string,
  created: (e: TraceEvent) => boolean,
): boolean {
  const g = /^graphs\/([^/]+)\.omni\//.exec(path)?.[1];
  if (g === undefined) return false;
  return input.records.some(
    (r) =>
      (before < 0 || r.index < before) &&
      r.outcome.kind === "apply" &&
      r.outcome.view.diagnostics.some(
        (d) => d.code === "schema_apply_failed" && d.path === `schema.${g}`,
      ) &&
      r.pre.graphs[g]?.mainVersion === r.post.graphs[g]?.mainVersion &&
      input.events.slice(r.traceFrom, r.traceTo).some(created),
  );
}

export const rolledBackDatasetBlocksRetry: KnownFinding = {
  id: "F11-rolled-back-dataset-blocks-retry",
  title: "an add-type schema apply that was rolled back can never be applied again",
  summary:
    "Phase B of a schema apply creates each added type's dataset, at a path derived from the table key, with Lance's create mode. When the apply stops before its manifest commit (an error, a crash, a lost lease), the next read-write open rolls its engine sidecar back: it restores the pinned tables, but the created dataset stays where it is. Every later attempt at the same change creates the dataset at the same path again, and create mode refuses a dataset that exists: the schema apply fails on every retry, the type can never be added, and the cluster never converges short of deleting the dataset by hand.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph/schema_apply.rs",
      function: "apply_schema_with_lock",
      role: "creates every added type's dataset in Phase B through TableStore::create_empty_dataset",
    },
    {
      file: "crates/omnigraph/src/table_store.rs",
      function: "write_dataset",
      role: "writes with WriteMode::Create, which fails when the dataset already exists",
    },
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "roll_back_sidecar",
      role: "restores and republishes the pinned tables only; the added dataset the sidecar registers is left in place",
    },
  ],
  spec: ["§4.7", "§4.8"],
  scenario: "rolled-back-add-type",
  laterUpstream: null,
  matches(v, input) {
    const failed = v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure";
    const stuck = v.oracle === "serve-liveness" && v.code === "remedy_not_converged";
    if (!failed && !stuck) return false;
    const path = DATASET_EXISTS.exec(v.observed)?.[1];
    if (path === undefined) return false;
    // An earlier schema apply created that very dataset (acknowledged, or with its
    // acknowledgement lost) and was interrupted, so its engine sidecar could only roll back.
    const created = (e: TraceEvent) =>
      (e.t === "call" &&
        e.step === "engine.schema_apply.table_create" &&
        e.key.startsWith(`${path}/`) &&
        e.result === "true") ||
      (e.t === "fault" && e.kind === "ack-loss" && e.key.startsWith(`${path}/`));
    return (
      interruptedAfter(input, v.step, created) || failedAfterCreate(input, v.step, path, created)
    );
  },
};
