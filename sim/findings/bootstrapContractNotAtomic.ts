import { graphIdOf } from "../../src/cluster/addresses.ts";
import type { JudgeInput } from "../oracles/Oracle.ts";
import type { StepRecord } from "../universe/records.ts";
import type { KnownFinding } from "./KnownFinding.ts";
import { putLanded } from "./landed.ts";
import { bootLeftOut, neverReadyGraphs } from "./leftOut.ts";

/** The engine's refusal of a contract with one of its two files. */
export const INCOMPLETE_CONTRACT =
  "graph schema state is incomplete (_schema.ir.json and __schema_state.json must either both exist or both be absent)";

const NOT_SERVED = /^([^:]+): graph_open_failed\b/;
const IR_STEP = "engine.recovery.bootstrap_schema_ir";
const STATE_STEP = "engine.recovery.bootstrap_schema_state";

/**
 * An open of `g` bootstrapped its missing schema contract and stopped between the two writes:
 * within one step (a record before `until`), `_schema.ir.json` landed and no write of
 * `__schema_state.json` by the same process landed after it.
 */
export function bootstrapStoppedBetween(input: JudgeInput, g: string, until: number): boolean {
  const ir = `graphs/${g}.omni/_schema.ir.json`;
  const state = `graphs/${g}.omni/__schema_state.json`;
  return input.records
    .filter((r) => r.index < until)
    .some((r) => {
      const ev = input.events.slice(r.traceFrom, r.traceTo);
      return ev.some((e, i) => {
        if (e.t !== "call" || !putLanded(ev, i, ir, IR_STEP)) return false;
        for (let k = i + 1; k < ev.length; k++) {
          const s = ev[k];
          if (s?.t === "call" && s.pid === e.pid && putLanded(ev, k, state, STATE_STEP))
            return false;
        }
        return true;
      });
    });
}

/**
 * A refused boot's graph opens, each bricked by an interrupted bootstrap before `until`: the
 * server opened no graph (`no_graphs_opened`, the bricked graphs were all it had), and every
 * diagnostic is a graph open refusing the incomplete contract of such a graph.
 */
function everyOpenBricked(
  input: JudgeInput,
  failureCode: string | null,
  diagnostics: readonly {
    readonly code: string;
    readonly path: string;
    readonly message: string;
  }[],
  until: number,
): boolean {
  if (failureCode !== "no_graphs_opened" || diagnostics.length === 0) return false;
  return diagnostics.every((d) => {
    const g = graphIdOf(d.path);
    return (
      d.code === "graph_open_failed" &&
      g !== null &&
      d.message.includes(INCOMPLETE_CONTRACT) &&
      bootstrapStoppedBetween(input, g, until)
    );
  });
}

/** A refused boot's diagnostics as accepted-means-servable prints them. */
function refusedBootDiagnostics(
  observed: string,
): { code: string; path: string; message: string }[] | null {
  const m = /^boot failed with no_graphs_opened: (.+)$/s.exec(observed);
  if (m === null) return null;
  const out: { code: string; path: string; message: string }[] = [];
  for (const d of (m[1] as string).split(/; (?=\[)/)) {
    const dm = /^\[([a-z_]+)\] (\S+): (.*)$/s.exec(d);
    if (dm === null) return null;
    out.push({ code: dm[1] as string, path: dm[2] as string, message: dm[3] as string });
  }
  return out;
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
    "When a graph has `_schema.pg` and a manifest but neither `_schema.ir.json` nor `__schema_state.json` (a graph created before the schema contract existed, or one whose failed init's best-effort cleanup deleted the two contract files but could not delete `_schema.pg`), every open, read-only ones included, bootstraps the contract from the live source: it writes `_schema.ir.json`, then `__schema_state.json`, as two plain writes with nothing to undo or finish the first. A failed or lost second write (or a crash between the two) leaves the IR without the state, and every later open, read-write or read-only, refuses the graph as a phase-1 lock-down (\"graph schema state is incomplete ...; manual coordination is required\") before any recovery could repair it. For a graph with nothing pending (a graph from before the contract, first opened by a server boot or a write), the server quarantines it on every boot while apply, which never opens a graph it has nothing to change on, reports the cluster converged; no command repairs it, and the way out is deleting `_schema.ir.json` by hand so that the next open bootstraps again. (A failed init's graph is bootstrapped by the next sweep's read-only open while its create sidecar is pending, so a stop there keeps the create pending and visible.)",
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
  leavesOut(g, input, at) {
    return (
      bootLeftOut(input, g, (q) => q.reason.includes(INCOMPLETE_CONTRACT), at) &&
      bootstrapStoppedBetween(input, g, at === undefined ? Number.POSITIVE_INFINITY : at + 1)
    );
  },
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
    // When the bricked graphs are all the server has, it refuses to boot instead.
    if (v.oracle === "accepted-means-servable" && v.code === "accepted_config_refused") {
      const diags = refusedBootDiagnostics(v.observed);
      return diags !== null && everyOpenBricked(input, "no_graphs_opened", diags, v.step);
    }
    if (v.oracle === "serve-liveness" && v.code === "boot_never_succeeds") {
      const boot = input.records.findLast((r) => r.outcome.kind === "boot");
      if (boot?.outcome.kind !== "boot" || boot.outcome.view.ok) return false;
      const view = boot.outcome.view;
      return everyOpenBricked(input, view.failureCode, view.diagnostics, Number.POSITIVE_INFINITY);
    }
    if (v.oracle === "serve-liveness" && v.code === "graph_never_ready") {
      const names = neverReadyGraphs(v.observed);
      if (names === null) return false;
      return names.every(
        (g) =>
          lastBootRefusesContract(input, g) &&
          bootstrapStoppedBetween(input, g, Number.POSITIVE_INFINITY),
      );
    }
    return false;
  },
};
