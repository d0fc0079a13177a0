import type { TraceEvent } from "../../src/world/trace.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** The second promotion found a torn contract instead of a missing file. */
const TORN = /failed with \w+ on '([^']+)': .*schema evolution is locked down/;
const STAGING_GONE = /(rename source|object) 'graphs\/([^/']+)\.omni\/[^']+\.staging'/;

export const openRacesLiveSchemaApply: KnownFinding = {
  id: "F8-open-races-live-schema-apply",
  title:
    "a read-write open during another process's schema apply recovers the live apply's staging, and one of the two fails",
  summary:
    "A read-write open runs the engine's schema-staging recovery whenever it finds staging files next to a SchemaApply sidecar, without asking whether a schema apply is still running: the schema-apply lock branch is consulted by schema apply only. Opened while another process's apply is between its staging writes and its promotion, the open starts recovering a live apply: both promote the same staging files, and whichever comes second finds nothing and fails (the open, or the live apply itself). With the ledger lock off, two applies meet this way; with it on, a server boot or any engine writer opening the graph during an apply does.",
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "open_with_storage_and_mode",
      role: "a read-write open runs staging recovery and the drift sweep, with no look at the schema-apply lock branch",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "recover_schema_state_files",
      role: "treats staging next to a SchemaApply sidecar as crash residue and completes the promotion",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "rename_if_present",
      role: "checks that the staging file exists, then renames it: a concurrent promotion in between fails the rename",
    },
  ],
  spec: ["§4.3", "§4.8"],
  scenario: "open-races-live-schema-apply",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "outcomes-are-explained" || v.code !== "unexplained_failure") return false;
    const g = STAGING_GONE.exec(v.observed)?.[2] ?? TORN.exec(v.observed)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined || rec.step.op !== "concurrently") return false;
    // Two processes of the step worked on that graph's staging and one of them promoted it:
    // an open "recovering" a live apply (whichever of the two then failed).
    const prefix = `graphs/${g}.omni/`;
    const calls = input.events
      .slice(rec.traceFrom, rec.traceTo)
      .filter(
        (e): e is Extract<TraceEvent, { t: "call" }> =>
          e.t === "call" &&
          e.key.startsWith(prefix) &&
          (e.key.split(" -> ")[0] as string).endsWith(".staging"),
      );
    const promoted = calls.some(
      (e) => e.op === "rename" && e.step?.endsWith("promote_staging") && e.result === "ok",
    );
    return promoted && new Set(calls.map((e) => e.pid)).size > 1;
  },
};
