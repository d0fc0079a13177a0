import type { KnownFinding } from "./KnownFinding.ts";
import { DATASET_EXISTS } from "./rolledBackDatasetBlocksRetry.ts";

/** Node type names a schema source declares. */
function nodeTypes(text: string | null | undefined): Set<string> {
  return new Set([...(text ?? "").matchAll(/\bnode\s+([A-Za-z_]\w*)/g)].map((m) => m[1] as string));
}

export const droppedTypeCannotReturn: KnownFinding = {
  id: "F12-dropped-type-cannot-return",
  title: "a node type that was dropped can never be added again",
  summary:
    "Dropping a node type from a graph's schema is a soft drop by default: the schema apply tombstones the type's table in the manifest and keeps its dataset, by design, so older manifest versions can still read it. The dataset's path is derived from the type's name alone, whether a schema apply added the type or the graph was created with it. When the operator later adds the type back, Phase B creates the type's dataset at that same path with Lance's create mode, which refuses a dataset that exists: the schema apply fails on every attempt, the type can never return, and the cluster never converges short of deleting the old dataset by hand.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph/schema_apply.rs",
      function: "apply_schema_with_lock",
      role: "a soft DropType tombstones the table's manifest entry and leaves its dataset on disk; an AddType creates the type's dataset through TableStore::create_empty_dataset",
    },
    {
      file: "crates/omnigraph/src/db/manifest/graph.rs",
      function: "build_initial_entries",
      role: "a graph created with the type already in its schema makes the type's dataset at the same nodes/<name hash> path",
    },
    {
      file: "crates/omnigraph/src/db/manifest.rs",
      function: "table_path_for_table_key",
      role: "derives the dataset path from the type name's hash only, so a re-added type gets the dropped type's path",
    },
    {
      file: "crates/omnigraph/src/table_store.rs",
      function: "write_dataset",
      role: "writes with WriteMode::Create, which fails when the dataset already exists",
    },
  ],
  spec: ["§4.7"],
  scenario: "dropped-type-readded",
  laterUpstream: null,
  matches(v, input) {
    const failed = v.oracle === "outcomes-are-explained" && v.code === "unexplained_failure";
    const stuck = v.oracle === "serve-liveness" && v.code === "remedy_not_converged";
    if (!failed && !stuck) return false;
    const path = DATASET_EXISTS.exec(v.observed)?.[1];
    if (path === undefined) return false;
    const graph = /^graphs\/([^/]+)\.omni\//.exec(path)?.[1];
    if (graph === undefined) return false;
    const before = v.step >= 0 ? v.step : input.records.length;
    // A schema apply, or the graph's init, created that dataset and stood (the type was in
    // the live schema after it); a later step's schema change then removed a node type from
    // that graph.
    const created = input.records.findIndex(
      (r) =>
        r.index < before &&
        input.events
          .slice(r.traceFrom, r.traceTo)
          .some(
            (e) =>
              e.t === "call" &&
              (e.step === "engine.schema_apply.table_create" ||
                e.step === "engine.init.create_table") &&
              e.key.startsWith(`${path}/`) &&
              e.result === "true",
          ),
    );
    if (created < 0) return false;
    return input.records.some((r) => {
      if (r.index < created || r.index >= before) return false;
      const pre = nodeTypes(r.pre.graphs[graph]?.schemaText);
      const post = nodeTypes(r.post.graphs[graph]?.schemaText);
      return r.post.graphs[graph]?.exists === true && [...pre].some((t) => !post.has(t));
    });
  },
};
