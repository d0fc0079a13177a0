import { INCOMPLETE_CONTRACT } from "./bootstrapContractNotAtomic.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const DESTROYED = /^'([^']+)', whose init committed/;

export const initCleanupDestroysCommittedGraph: KnownFinding = {
  id: "F6-init-cleanup-destroys-committed-graph",
  title: "a graph create that fails after its commit point is destroyed by init's own cleanup",
  summary:
    "`Omnigraph::init` runs its storage phase (claim `_schema.pg`, write the schema contract, create the datasets and the first manifest version, append the first commit) and, on any error, deletes the three schema files. An error after the manifest was committed (the `init.after_coordinator_init` failpoint, or a failure of the commit-graph append or of its acknowledgement) therefore turns a complete graph into a root with a manifest and no `_schema.pg`: it no longer opens, the sweep reports it as an incomplete create, and the only remedy is to delete the root and create the graph again. Upstream's own comment acknowledges that Lance datasets and `__manifest/` stay behind; it does not say that the cleanup also destroys a graph whose create had already committed.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "init_storage_phase",
      role: "creates the coordinator (datasets and first manifest version), then can still fail",
    },
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "init_with_storage",
      role: "on any error of the storage phase, runs the cleanup when it claimed _schema.pg",
    },
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "best_effort_cleanup_init_artifacts",
      role: "deletes _schema.pg, _schema.ir.json and __schema_state.json whether or not the manifest was committed",
    },
  ],
  spec: ["§4.2"],
  scenario: "init-gap",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "crash-contract" || v.code !== "committed_create_destroyed") return false;
    const g = DESTROYED.exec(v.expected)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined) return false;
    // On S3 the same cleanup also hides the root: the root probe lists only the objects
    // directly under it, and the cleanup removed exactly those (see F16), so the graph whose
    // _schema.pg is gone reads as a root that is gone.
    // A cleanup stopped between its deletes (one refused, or a death) may instead leave one
    // contract file without the other, which every open refuses as incomplete.
    const torn = v.observed.includes(INCOMPLETE_CONTRACT);
    if (
      !torn &&
      !v.observed.startsWith("its _schema.pg is gone") &&
      v.observed !== "the graph root is gone"
    )
      return false;
    // The init's own cleanup deleted the schema source (or, torn, a contract file) after the
    // manifest had landed.
    const events = input.events.slice(rec.traceFrom, rec.traceTo);
    const committed = events.findIndex(
      (e) => e.t === "call" && e.step === "engine.init.create_manifest" && e.result === "true",
    );
    const root = `graphs/${g}.omni`;
    const deleted = torn
      ? [`${root}/_schema.ir.json`, `${root}/__schema_state.json`]
      : [`${root}/_schema.pg`];
    return (
      committed >= 0 &&
      events
        .slice(committed)
        .some(
          (e) =>
            e.t === "call" &&
            e.step === "engine.init.cleanup_schema_files" &&
            deleted.includes(e.key) &&
            (!torn || (e.op === "delete" && e.result === "ok")),
        )
    );
  },
};
