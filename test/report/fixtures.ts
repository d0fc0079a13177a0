import type { TraceEntry } from "../../sim/report/html/render.ts";
import { type Report, ReportSchema } from "../../sim/report/schema.ts";
import type { TraceEvent } from "../../src/world/trace.ts";

/**
 * A tiny universe, pinned as data (not re-run), so the golden page changes only when the
 * renderer does: birth, one apply that hits a failpoint and dies, a storage fault, a scheduler
 * turn, a restart, a boot, and the verdicts. `text` is woven into every free-text field.
 */
export function tinyTrace(text = "x"): TraceEvent[] {
  return [
    { t: "spawn", pid: 1, name: "birth-import" },
    {
      t: "call",
      pid: 1,
      op: "putIfAbsent",
      key: "__cluster/lock.json",
      step: "cluster.lock.acquire",
      result: "true",
    },
    { t: "call", pid: 1, op: "get", key: "__cluster/state.json", result: "absent" },
    { t: "call", pid: 1, op: "list", key: "__cluster/recoveries", result: "0" },
    {
      t: "call",
      pid: 1,
      op: "putIfAbsent",
      key: "__cluster/state.json",
      step: "cluster.state.create",
      result: "true",
    },
    {
      t: "call",
      pid: 1,
      op: "delete",
      key: "__cluster/lock.json",
      step: "cluster.lock.release",
      result: "ok",
    },
    { t: "note", text: `fault plan: write-error=0.05 ${text}` },
    {
      t: "op",
      actor: "apply#0",
      name: "apply",
      detail:
        '{"kind":"failpoint","name":"cluster_apply.after_graph_create","mode":"crash","skip":0}',
    },
    { t: "spawn", pid: 2, name: "apply#0" },
    {
      t: "call",
      pid: 2,
      op: "putIfAbsent",
      key: "__cluster/lock.json",
      step: "cluster.lock.acquire",
      result: "false",
    },
    { t: "call", pid: 2, op: "get", key: `graphs/${text}.omni/_schema.pg`, result: "ok" },
    { t: "fault", pid: 2, kind: "write-error", key: `graphs/${text}.omni/_schema.ir.json` },
    {
      t: "call",
      pid: 2,
      op: "put",
      key: `graphs/${text}.omni/_schema.ir.json`,
      step: "engine.init.write_schema_ir",
      result: "error:io",
    },
    { t: "turn", actor: "boot#1" },
    { t: "call", pid: 3, op: "exists", key: "__cluster/state.json", result: "true" },
    { t: "turn", actor: "apply#0" },
    {
      t: "call",
      pid: 2,
      op: "putIfMatch",
      key: "__cluster/state.json",
      step: "cluster.state.write",
      result: "mismatch",
    },
    {
      t: "call",
      pid: 2,
      op: "refuse",
      key: "__cluster/state.json",
      step: "cluster.state.write",
      result: "error:injected",
    },
    { t: "fp", pid: 2, name: "cluster_apply.after_graph_create", action: "crash" },
    { t: "death", pid: 2, cause: "crash at cluster_apply.after_graph_create" },
    {
      t: "result",
      actor: "apply#0",
      name: "apply",
      outcome: "died (crash at cluster_apply.after_graph_create)",
    },
    { t: "op", actor: "boot#1", name: "boot" },
    { t: "spawn", pid: 4, name: "boot#1" },
    { t: "call", pid: 4, op: "get", key: "__cluster/state.json", result: "ok" },
    { t: "result", actor: "boot#1", name: "boot", outcome: `boot failed ${text}` },
    { t: "verdict", oracle: "serve-liveness", code: "boot_never_succeeds", detail: "step -1" },
    { t: "verdict", oracle: "expectations", code: `ready_mismatch ${text}`, detail: "step 1" },
  ];
}

export function tinyReport(text = "x"): Report {
  return ReportSchema.parse({
    tool: "omnigraph-sim",
    harnessVersion: "1",
    nodeVersion: "v20.0.0",
    defects: [],
    universes: [
      {
        scenario: "tiny",
        seed: 7,
        defects: [],
        verdict: "fail",
        traceHash: "0123456789abcdef",
        violations: [
          {
            oracle: "serve-liveness",
            code: "boot_never_succeeds",
            step: -1,
            expected: "a booting server within 4 remedy rounds",
            observed: `boot kept failing: ${text}`,
          },
          {
            oracle: "expectations",
            code: `ready_mismatch ${text}`,
            step: 1,
            expected: "ready [knowledge]",
            observed: `ready [] (${text})`,
          },
        ],
        known: [],
        failpointsHit: ["cluster_apply.after_graph_create"],
        steps: 2,
        deaths: 1,
        storeCalls: 12,
        replay: `pnpm sim replay --scenario tiny --seed 7 --pin h1-000000000000 ${text}`,
      },
      {
        scenario: "tiny",
        seed: 8,
        defects: [],
        verdict: "pass",
        traceHash: "fedcba9876543210",
        violations: [],
        known: [{ finding: "F2-legacy-bindings-demoted", oracle: "o", code: "c", step: 0 }],
        failpointsHit: [],
        steps: 2,
        deaths: 0,
        storeCalls: 9,
        replay: "pnpm sim replay --scenario tiny --seed 8 --pin h1-000000000000",
      },
    ],
    reached: [
      ["cluster.lock.acquire.before", 2],
      ["cluster.lock.acquire.after", 2],
      ["cluster.state.create.before", 1],
      ["cluster_apply.after_graph_create", 1],
      [`not.in.catalog ${text}`, 3],
    ],
    summary: {
      universes: 2,
      passed: 1,
      failed: 1,
      crashed: 0,
      violations: 2,
      violationsByOracle: { expectations: 1, "serve-liveness": 1 },
      knownFindings: { "F2-legacy-bindings-demoted": 1 },
      scenarios: ["tiny"],
      seeds: { from: 7, to: 8 },
      elapsedMs: 42,
      universesPerSecond: 47.6,
      stoppedByTimeLimit: false,
    },
  });
}

export function tinyTraces(text = "x"): TraceEntry[] {
  return [{ scenario: "tiny", seed: 7, defects: [], events: tinyTrace(text) }];
}
