import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** The engine's refusal of a contract with one of its two files. */
export const INCOMPLETE_CONTRACT =
  "graph schema state is incomplete (_schema.ir.json and __schema_state.json must either both exist or both be absent)";

const NOT_SERVED = /^([^:]+): graph_open_failed\b/;
const NEVER_READY = /^still not ready: ([^(]+)/;
const IR_STEP = "engine.recovery.bootstrap_schema_ir";
const STATE_STEP = "engine.recovery.bootstrap_schema_state";

/**
 * An open of `g` bootstrapped its missing schema contract and stopped between the two writes:
 * within one step (a record before `until`), `_schema.ir.json` landed (its put answered ok) and
 * no put of `__schema_state.json` by the same bootstrap answered ok after it.
 */
export function bootstrapStoppedBetween(input: JudgeInput, g: string, until: number): boolean {
  const ir = `graphs/${g}.omni/_schema.ir.json`;
  const state = `graphs/${g}.omni/__schema_state.json`;
  return input.records
    .filter((r) => r.index < until)
    .some((r) => {
      const ev = input.events.slice(r.traceFrom, r.traceTo);
      return ev.some(
        (e, i) =>
          e.t === "call" &&
          e.op === "put" &&
          e.step === IR_STEP &&
          e.key === ir &&
          e.result === "ok" &&
          !ev
            .slice(i + 1)
            .some(
              (s) =>
                s.t === "call" &&
                s.pid === e.pid &&
                s.step === STATE_STEP &&
                s.key === state &&
                s.result === "ok",
            ),
      );
    });
}

/** The last boot of the run quarantined `g` for the incomplete contract. */
function lastBootRefusesContract(input: JudgeInput, g: string): boolean {
  const boot = [...input.records].reverse().find((r): r is StepRecord => r.outcome.kind === "boot");
  return (
    boot?.outcome.kind === "boot" &&
    boot.outcome.view.quarantined.some(
      (q) => q.graphId === g && q.reason.includes(INCOMPLETE_CONTRACT),
    )
  );
}

export const bootstrapContractNotAtomic: KnownFinding = {
  id: "F23-bootstrap-contract-not-atomic",
  title:
    "an open that bootstraps a missing schema contract and fails between its two writes leaves a graph that never opens again",
  summary:
    'When a graph has `_schema.pg` and a manifest but neither `_schema.ir.json` nor `__schema_state.json` (a graph from before the schema contract, or one whose failed init\'s best-effort cleanup deleted the two contract files but could not delete `_schema.pg`), every open bootstraps the contract from the live source: it writes `_schema.ir.json`, then `__schema_state.json`, as two plain writes with nothing to undo or finish the first. A failed or lost second write (or a crash between the two) leaves the IR without the state, and every later open, read-write or read-only, refuses the graph as a phase-1 lock-down ("graph schema state is incomplete ...; manual coordination is required") before any recovery could repair it. The server quarantines the graph on every boot, while apply, which never opens a graph it has nothing to change on, reports the cluster converged; no command repairs it, and the way out is deleting `_schema.ir.json` by hand so that the next open bootstraps again.',
  codePath: [
    {
      file: "crates/omnigraph/src/db/omnigraph.rs",
      function: "open_with_storage_and_mode",
      role: "after recovery (read-write) or none (read-only), calls load_or_bootstrap_schema_contract on every open",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "load_or_bootstrap_schema_contract",
      role: "MissingAll without public branches: writes the contract from the live source",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "write_schema_contract_to",
      role: "writes _schema.ir.json, then __schema_state.json, with no staging and no cleanup when the second write fails",
    },
    {
      file: "crates/omnigraph/src/db/schema_state.rs",
      function: "read_schema_contract",
      role: "one file without the other is PartialMissing, which load_or_bootstrap_schema_contract refuses as a schema lock conflict on every later open",
    },
  ],
  spec: ["§4.3"],
  scenario: "bootstrap-contract-not-atomic",
  laterUpstream: null,
  matches(v, input) {
    if (v.oracle === "crash-contract" && v.code === "graph_unopenable") {
      const g = /^'([^']+)' opens/.exec(v.expected)?.[1];
      if (g === undefined || !v.observed.includes(INCOMPLETE_CONTRACT)) return false;
      return bootstrapStoppedBetween(input, g, v.step + 1);
    }
    if (v.oracle === "accepted-means-servable" && v.code === "applied_graph_not_served") {
      const g = NOT_SERVED.exec(v.observed)?.[1];
      if (g === undefined || !v.observed.includes(INCOMPLETE_CONTRACT)) return false;
      return bootstrapStoppedBetween(input, g, v.step);
    }
    if (v.oracle === "serve-liveness" && v.code === "graph_never_ready") {
      const names = NEVER_READY.exec(v.observed)?.[1]
        ?.split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "");
      if (names === undefined || names.length === 0) return false;
      return names.every(
        (g) =>
          lastBootRefusesContract(input, g) &&
          bootstrapStoppedBetween(input, g, Number.POSITIVE_INFINITY),
      );
    }
    return false;
  },
};
