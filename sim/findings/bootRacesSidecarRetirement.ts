import type { TraceEvent } from "../../src/world/trace.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** A boot refused because a recovery sidecar it had listed was gone when it read it. */
const VANISHED =
  /boot failed with invalid_recovery_sidecar: could not read \(object '([^']+\.json)' does not exist\)/;

type Call = Extract<TraceEvent, { t: "call" }>;

/**
 * Whether, within step `step` (a concurrent one), a process listed the directory of sidecar
 * `key`, another process then deleted `key`, and the first process's read of it came after
 * that delete and found nothing: the listing and the read straddled the sidecar's retirement.
 */
export function listedThenRetired(input: JudgeInput, step: number, key: string): boolean {
  const rec = input.records[step];
  if (rec === undefined || rec.step.op !== "concurrently") return false;
  const dir = key.slice(0, key.lastIndexOf("/"));
  const calls = input.events
    .slice(rec.traceFrom, rec.traceTo)
    .filter((e): e is Call => e.t === "call");
  return calls.some((del, at) => {
    if (del.op !== "delete" || del.key !== key || del.result !== "ok") return false;
    const reader = (c: Call) => c.pid !== del.pid;
    const listedBefore = calls
      .slice(0, at)
      .some((c) => reader(c) && c.op === "list" && c.key === dir);
    const readAfter = calls
      .slice(at + 1)
      .some((c) => reader(c) && c.op === "get" && c.key === key && c.result === "absent");
    return listedBefore && readAfter;
  });
}

export const bootRacesSidecarRetirement: KnownFinding = {
  id: "F22-boot-races-sidecar-retirement",
  title:
    "a server boot fails the whole cluster when a cluster command retires a recovery sidecar between the boot's listing and its read",
  summary:
    "A server boot reads the serving snapshot without the cluster state lock (it counts on the ledger being replaced atomically). Its first act is to list the recovery sidecars and then read each listed file, and every problem that listing reports, an unreadable file included, is made cluster-fatal, because serving cannot bound a malformed sidecar's blast radius. Meanwhile a state-mutating command holding the lock (an apply, a refresh) may retire a sidecar: its sweep finds one that an earlier run left behind completed or stale, or it finishes its own operation, and once its ledger write has landed (or it had none to make) it deletes the file. When that delete lands after the boot listed the file and before it read it, the read fails not-found and the boot refuses to start the whole cluster (invalid_recovery_sidecar), although the sidecar was retired because its work was done and every graph is servable. A retry boots; a supervisor that treats a failed boot as fatal takes the cluster down.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/lib.rs",
      function: "apply_config_dir_with_options",
      role: "under the state lock, deletes the sweep's completed sidecars and its own finished operation sidecars once the ledger write has not failed",
    },
    {
      file: "crates/omnigraph-cluster/src/serve.rs",
      function: "read_snapshot_with_store",
      role: "takes no lock, lists the recovery sidecars first and promotes every diagnostic of that listing to a cluster-fatal error",
    },
    {
      file: "crates/omnigraph-cluster/src/store.rs",
      function: "list_json_dir",
      role: "lists the directory, then reads each listed file; a read that fails (the file deleted since the listing) becomes an invalid_recovery_sidecar diagnostic, with no second look at whether the file is simply gone",
    },
    {
      file: "crates/omnigraph-server/src/settings.rs",
      function: "load_cluster_settings",
      role: "a failed snapshot is a boot error: the cluster is reported not ready to serve",
    },
  ],
  spec: ["§2.18", "§5.1", "§5.4"],
  scenario: "boot-races-sidecar-retirement",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle !== "outcomes-are-explained" || v.code !== "unexplained_failure") return false;
    const key = VANISHED.exec(v.observed)?.[1];
    return key !== undefined && listedThenRetired(input, v.step, key);
  },
};
