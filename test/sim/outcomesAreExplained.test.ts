import { describe, expect, it } from "vitest";
import { type Explanation, explain } from "../../sim/oracles/explain/catalogue.ts";
import { failuresOf } from "../../sim/oracles/explain/failures.ts";
import { buildHistory } from "../../sim/oracles/explain/history.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { modelOracleDeps } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import type { DefectName } from "../../src/world/defects.ts";

const ctx = jobContext();

/** Runs a scripted universe (no liveness) and explains every failure of every step. */
async function explained(
  steps: string,
  defects: readonly DefectName[] = [],
  { fixture = "  graphs: [knowledge, archive]", seed = 1 } = {},
) {
  const scenario = parseScenarioText(
    `kind: scripted
name: explain
description: outcomes and their explanations
fixture:
${fixture}
liveness: false
steps:
${steps}`,
    "explain.yaml",
  ) as ScriptedScenario;
  const { universe: u, result } = await runUniverse({ scenario, seed, defects }, ctx);
  const history = buildHistory(u.records, u.world.trace.events);
  const out: Array<{ step: number; code: string; why: Explanation | null }> = [];
  for (const record of u.records)
    for (const f of failuresOf(record))
      out.push({
        step: record.index,
        code: f.code,
        why: explain(f, {
          record,
          history,
          deps: modelOracleDeps,
          sourcesByDigest: u.sourcesByDigest,
        }),
      });
  return { out, result };
}

describe("outcomes-are-explained", () => {
  it("explains a lock left by a dead apply by naming the lock and the death that left it", async () => {
    const { out, result } = await explained(`  - op: apply
    crash: { kind: kill-at-write, k: 2 }
  - op: apply
`);
    const held = out.find((o) => o.code === "state_lock_held");
    expect(held?.why).toMatchObject({ kind: "refusal", rule: "lock-held" });
    expect(held?.why?.kind === "refusal" && held.why.residue).toMatch(
      /__cluster\/lock\.json, left by step 0 \(death of p\d+: killed at durable write 2/,
    );
    // The death itself is explained by the injection inside its own step.
    expect(out.find((o) => o.code === "died")?.why?.kind).toBe("injected");
    expect(result.violations.filter((v) => v.oracle === "outcomes-are-explained")).toEqual([]);
  });

  it("explains an engine rejection only by the change the config asks for", async () => {
    const { out } = await explained(`  - op: edit-schema
    graph: archive
    change: type-change
  - op: apply
`);
    expect(out.find((o) => o.code === "schema_apply_failed")?.why).toEqual({
      kind: "rejection",
      rule: "unsupported-change",
      change: "archive to type-change",
    });
  });

  it("explains a refused import by the ledger that exists", async () => {
    const { out } = await explained("  - op: import\n");
    expect(out).toEqual([
      {
        step: 0,
        code: "state_already_exists",
        why: { kind: "refusal", rule: "ledger-exists", residue: "__cluster/state.json" },
      },
    ]);
  });

  it("leaves a read-write open that gives up on recoverable residue unexplained", async () => {
    const steps = `  - op: edit-schema
    graph: knowledge
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: schema_apply.after_manifest_commit, mode: crash }
  - op: force-unlock
  - op: open-rw
    graph: knowledge
`;
    const fixed = await explained(steps);
    expect(fixed.out.filter((o) => o.step === 3)).toEqual([]);
    const broken = await explained(steps, ["open-refuses-recoverable-residue"]);
    const open = broken.out.find((o) => o.step === 3);
    expect(open?.code).toBe("recovery_invariant");
    expect(open?.why).toBeNull();
    const v = broken.result.violations.find((x) => x.oracle === "outcomes-are-explained");
    expect(v).toMatchObject({ code: "unexplained_failure", step: 3 });
    expect(v?.observed).toMatch(/refusing to open with 1 pending recovery sidecar/);
  });

  it("explains hostile config refusals by the hand edit that broke the config", async () => {
    const { out } = await explained(`  - op: edit-cluster
    change: misspelled-key
  - op: apply
  - op: edit-cluster
    change: revert
  - op: edit-policy
    change: non-utf8
  - op: apply
  - op: edit-policy
    change: wrong-kind-binding
  - op: plan
`);
    const at = (step: number) => out.filter((o) => o.step === step);
    expect(at(1)).toEqual([
      {
        step: 1,
        code: "invalid_cluster_yaml",
        why: { kind: "refusal", rule: "config-hostile", residue: "cluster.yaml (misspelled-key)" },
      },
    ]);
    expect(at(4).map((o) => [o.code, o.why?.kind === "refusal" && o.why.rule])).toEqual([
      ["resource_payload_write_error", "config-hostile"],
    ]);
    expect(at(6).map((o) => o.code)).toContain("wrong_kind_reference");
    expect(at(6).every((o) => o.why !== null)).toBe(true);
  });

  it("explains a boot refused for two bundles on one graph, and nothing else (defect bundle-bound-twice-conflicts)", async () => {
    const two = await explained(`  - op: edit-policy
    change: second-bundle
  - op: apply
  - op: boot
`);
    expect(two.out.find((o) => o.code === "policy_binding_conflict")?.why).toEqual({
      kind: "refusal",
      rule: "bindings-unservable",
      residue: "policy.audit and policy.base bound to graph.archive",
    });
    const broken = await explained("  - op: boot\n", ["bundle-bound-twice-conflicts"]);
    expect(broken.out).toEqual([{ step: 0, code: "policy_binding_conflict", why: null }]);
    const v = broken.result.violations.find((x) => x.oracle === "outcomes-are-explained");
    expect(v).toMatchObject({ code: "unexplained_failure", step: 0 });
  });

  it("explains a lock-off apply that sweeps a concurrent apply's create mid-init by that apply", async () => {
    // Seed 4 interleaves the two applies so that actor 0's sweep reads actor 1's create
    // sidecar after actor 1 claimed people's _schema.pg and before its manifest landed.
    const steps = `  - op: add-graph
    graph: people
  - op: concurrently
    actors:
      - op: apply
      - op: apply
`;
    const fixture = "  graphs: [knowledge, archive]\n  stateLock: false";
    const { out, result } = await explained(steps, [], { fixture, seed: 4 });
    expect(out.find((o) => o.code === "graph_create_incomplete")).toEqual({
      step: 1,
      code: "graph_create_incomplete",
      why: { kind: "contention", rule: "create-swept-concurrently", with: "apply#1.1" },
    });
    expect(result.violations.filter((v) => v.oracle === "outcomes-are-explained")).toEqual([]);
  });

  it("explains an init refused by the dataset an earlier failed init left, by that residue", async () => {
    // The first init fails at its manifest write (its table's dataset stays: upstream cleans
    // up only the schema files); the next apply's sweep cannot see the root (a read error
    // reads as absent) and retires the create sidecar; the third apply inits again.
    const { out, result } = await explained(`  - op: add-graph
    graph: people
  - op: apply
    faults:
      - at: 13
        kind: write-error
  - op: apply
    faults:
      - at: 5
        kind: read-error
      - at: 7
        kind: write-error
  - op: apply
`);
    expect(out.find((o) => o.step === 3)).toEqual({
      step: 3,
      code: "graph_create_failed",
      why: {
        kind: "refusal",
        rule: "graph-damaged",
        residue: expect.stringMatching(
          /^graphs\/people\.omni's tables without a manifest, left by step 1 \(write-error on graphs\/people\.omni\/__manifest\/versions\/0000000001\.json\)$/,
        ),
      },
    });
    expect(result.violations.filter((v) => v.oracle === "outcomes-are-explained")).toEqual([]);
  });
});
