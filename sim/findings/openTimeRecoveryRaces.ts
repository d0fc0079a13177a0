import type { TraceEvent } from "../../src/world/trace.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** The second promotion found a torn contract instead of a missing file. */
const TORN = /failed with \w+ on '([^']+)': .*schema evolution is locked down/;
const STAGING_GONE =
  /(rename source|object) 'graphs\/([^/']+)\.omni\/([^']+\.staging|__recovery\/[^']+\.json)'/;
/** The second roll-back of one engine sidecar found its restored table version taken. */
const RESTORE_TAKEN =
  /failed with \w+ on '([^']+)': (?:.*: )?table version \d+ already exists for /;
/** The second roll-forward of one engine sidecar lost the manifest compare-and-swap. */
const CAS_LOST = /failed with \w+ on '([^']+)': stale view of '/;

/** A writer (or open) refused because a table's head is past the manifest's pin. */
const STALE =
  /on '([^']+)': (?:.*: )?stale view of '[^']+': expected manifest table version \d+ but current is \d+/;

/**
 * Whether, at or before `step`, a concurrent step's open-time recovery restored a table of
 * `graph` (a roll-back) while another process of the step worked on that graph: the roll-back
 * of a live apply's Phase B, after which the apply's manifest commit pins a version below the
 * restored head, and every later writer of the table meets a stale view.
 */
function restoredUnderLiveApply(input: JudgeInput, graph: string, step: number): boolean {
  const prefix = `graphs/${graph}.omni/`;
  return input.records.some((r) => {
    if (r.index > step || r.step.op !== "concurrently") return false;
    const calls = input.events
      .slice(r.traceFrom, r.traceTo)
      .filter(
        (e): e is Extract<TraceEvent, { t: "call" }> => e.t === "call" && e.key.startsWith(prefix),
      );
    const restored = calls.some(
      (e) => e.step === "engine.recovery.table_restore" && e.result === "true",
    );
    return restored && new Set(calls.map((e) => e.pid)).size > 1;
  });
}

export const openTimeRecoveryRaces: KnownFinding = {
  id: "F8-open-time-recovery-races",
  title:
    "open-time recovery is not safe against a concurrent process: an open racing another open's recovery, or a live schema apply, fails",
  summary:
    "A read-write open runs the engine's schema-staging recovery whenever it finds staging files next to a SchemaApply sidecar, without asking whether a schema apply is still running: the schema-apply lock branch is consulted by schema apply only. Opened while another process's apply is between its staging writes and its promotion, the open starts recovering a live apply: both promote the same staging files, and whichever comes second finds nothing and fails (the open, or the live apply itself). Two read-write opens of a graph with one pending engine sidecar race the same way: both roll it forward (or back), and the open whose manifest compare-and-swap (or table restore) loses fails instead of finding the work done, although the only residue was recoverable; an open that listed the engine sidecar another process then retired fails reading it. With the ledger lock off, two applies meet this way; with it on, a server boot, an agent's insert or any engine writer opening the graph during an apply or another open does.",
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
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "list_sidecars",
      role: "reads each listed sidecar with `?`: one a concurrent finisher deleted after the listing fails the open",
    },
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "restore_table_to_version",
      role: "a roll-back restores each table with a Lance restore, a commit of its own: when a concurrent roll-back of the same sidecar committed that table version first, the restore conflicts and the open fails",
    },
    {
      file: "crates/omnigraph/src/db/manifest/recovery.rs",
      function: "roll_forward_all",
      role: "publishes the roll-forward with the sidecar's expected table versions: a concurrent roll-forward of the same sidecar makes it a stale view, and the open fails",
    },
  ],
  spec: ["§4.3", "§4.8"],
  scenario: "open-races-live-schema-apply",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "outcomes-are-explained" || v.code !== "unexplained_failure") return false;
    const stale = STALE.exec(v.observed)?.[1];
    if (stale !== undefined && restoredUnderLiveApply(input, stale, v.step)) return true;
    const g =
      STAGING_GONE.exec(v.observed)?.[2] ??
      TORN.exec(v.observed)?.[1] ??
      CAS_LOST.exec(v.observed)?.[1] ??
      RESTORE_TAKEN.exec(v.observed)?.[1];
    const rec = input.records[v.step];
    if (g === undefined || rec === undefined || rec.step.op !== "concurrently") return false;
    // Two processes of the step worked on that graph and one of them ran open-time recovery
    // on it (or promoted a live apply's staging): whichever came second failed.
    const prefix = `graphs/${g}.omni/`;
    const calls = input.events
      .slice(rec.traceFrom, rec.traceTo)
      .filter(
        (e): e is Extract<TraceEvent, { t: "call" }> => e.t === "call" && e.key.startsWith(prefix),
      );
    const recovered = calls.some(
      (e) =>
        e.result !== "false" &&
        !e.result.startsWith("error") &&
        (e.step?.startsWith("engine.recovery.") === true ||
          (e.op === "rename" && e.step === "engine.schema_apply.promote_staging")),
    );
    return recovered && new Set(calls.map((e) => e.pid)).size > 1;
  },
};
