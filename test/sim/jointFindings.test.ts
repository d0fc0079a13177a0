import { describe, expect, it } from "vitest";
import { acceptedPolicyUnservable as F7 } from "../../sim/findings/acceptedPolicyUnservable.ts";
import { bootstrapContractNotAtomic as F23 } from "../../sim/findings/bootstrapContractNotAtomic.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { removedGraphStaysPending as F21 } from "../../sim/findings/removedGraphStaysPending.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

// Shrunk from a guided universe (default seed 20013): the bundle binding knowledge is
// unloadable (F7) and its revert is held back by knowledge's rejected schema change; archive's
// metadata-only apply stops after its manifest commit and the operator then removes archive
// from the config, so refresh never records its live schema and it stays pending (F21). The
// liveness phase's boots refuse: knowledge quarantined for the bundle, archive for the sidecar.
const scenario = parseScenarioText(
  `kind: scripted
name: two-findings-one-refusal
description: a boot refused because of two known findings, one per graph
fixture:
  graphs: [knowledge, archive]
  provider: true
  stateLock: false
  rows: 3
steps:
  - op: edit-policy
    change: dangling-group
  - op: edit-schema
    graph: archive
    change: comment-only
  - op: apply
  - op: edit-schema
    graph: archive
    change: describe
  - op: apply
    crash: { kind: failpoint, name: schema_apply.after_manifest_commit, mode: error }
  - op: remove-graph
    graph: archive
  - op: edit-schema
    graph: knowledge
    change: add-required
`,
  "two-findings-one-refusal.yaml",
) as ScriptedScenario;
const SEED = 20013;
const REFUSED = "serve-liveness/boot_never_succeeds";

const run = (findings: typeof KNOWN_FINDINGS) =>
  runUniverse({ scenario, seed: SEED, defects: [] }, { ...jobContext(), findings });

describe("a liveness verdict that two known findings make together", () => {
  it("is attributed to both, each accounting for the graph it left out", async () => {
    const { result, universe: u } = await run(KNOWN_FINDINGS);
    expect(result.violations).toEqual([]);
    const hits = result.known.filter((k) => `${k.oracle}/${k.code}` === REFUSED);
    expect(hits.map((k) => k.finding).sort()).toEqual([F21.id, F7.id].sort());
    const input = u.judgeInput();
    expect(F21.leavesOut?.("archive", input)).toBe(true);
    expect(F21.leavesOut?.("knowledge", input)).toBe(false);
    expect(F7.leavesOut?.("knowledge", input)).toBe(true);
    expect(F7.leavesOut?.("archive", input)).toBe(false);
    // Neither finding alone matches the refusal: it is the two together.
    const v = (await run([])).result.violations.find((x) => `${x.oracle}/${x.code}` === REFUSED);
    if (v === undefined) throw new Error("no refused boot without the findings");
    expect(F21.matches(v, input)).toBe(false);
    expect(F7.matches(v, input)).toBe(false);
  });

  it.each([
    ["F21", F21],
    ["F7", F7],
  ] as const)("stays a failure without %s (the other one's graph is not enough)", async (_n, f) => {
    const { result } = await run(KNOWN_FINDINGS.filter((k) => k !== f));
    expect(result.violations.map((x) => `${x.oracle}/${x.code}`)).toContain(REFUSED);
  });
});

// Shrunk from default seed 23313 (s3, graphs from before the schema contract): apply accepts a
// bundle the server cannot load for either graph (F7); a boot dies between one graph's two
// contract bootstrap writes (F23). The next boot opens no graph at all.
const refusedScenario = parseScenarioText(
  `kind: scripted
name: two-findings-one-refused-boot
description: a refused boot during life, one graph bricked by each of two findings
fixture:
  graphs: [knowledge, archive]
  provider: true
  rows: 3
  legacy: [embedding-profile, policy-bindings, schema-contract]
  backend: s3
steps:
  - op: edit-policy
    change: scope-on-query
  - op: apply
  - op: boot
    crash: { kind: failpoint, name: engine.recovery.bootstrap_schema_state.before, mode: crash }
  - op: boot
`,
  "two-findings-one-refused-boot.yaml",
) as ScriptedScenario;
const REFUSED_AT_3 = "accepted-means-servable/accepted_config_refused@3";
const refusedRun = (findings: typeof KNOWN_FINDINGS) =>
  runUniverse(
    { scenario: refusedScenario, seed: 23313, defects: [] },
    { ...jobContext(), findings },
  );

describe("a refused boot during life that two known findings make together", () => {
  it("is attributed to both (accepted-means-servable judges the boot at its own step)", async () => {
    const { result } = await refusedRun(KNOWN_FINDINGS);
    expect(result.violations).toEqual([]);
    const hits = result.known.filter((k) => `${k.oracle}/${k.code}@${k.step}` === REFUSED_AT_3);
    expect(hits.map((k) => k.finding).sort()).toEqual([F23.id, F7.id].sort());
  });

  it.each([
    ["F23", F23],
    ["F7", F7],
  ] as const)("stays a failure without %s", async (_n, f) => {
    const { result } = await refusedRun(KNOWN_FINDINGS.filter((k) => k !== f));
    expect(result.violations.map((x) => `${x.oracle}/${x.code}@${x.step}`)).toContain(REFUSED_AT_3);
  });
});
