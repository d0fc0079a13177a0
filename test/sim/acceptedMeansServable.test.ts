import { describe, expect, it } from "vitest";
import { acceptedPolicyUnservable as F7 } from "../../sim/findings/acceptedPolicyUnservable.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { acceptedMeansServable } from "../../sim/oracles/acceptedMeansServable.ts";
import type { JudgeInput } from "../../sim/oracles/Oracle.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import type { Step } from "../../sim/scenario/schema.ts";
import { desiredFromFixture, policyText, renderWorkTree } from "../../sim/universe/desired.ts";
import { MemWorkTree } from "../../sim/universe/memWorkTree.ts";
import { modelSystem } from "../../sim/universe/modelSystem.ts";
import type { Observation } from "../../sim/universe/observe.ts";
import type { LivenessRecord, Outcome, StepRecord } from "../../sim/universe/records.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import type { BootView, Diag } from "../../sim/universe/system.ts";
import { CONFIG_DIR } from "../../sim/universe/Universe.ts";
import { PolicyEngine } from "../../src/server/policy.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { World } from "../../src/world/world.ts";

const scenario = findScenario("accepted-policy-unservable", shippedScenarios());
const only = { ...jobContext(), oracles: [acceptedMeansServable] };

function run(findings = KNOWN_FINDINGS) {
  return runUniverse({ scenario, seed: 1, defects: [] }, { ...only, findings });
}

function inputOf(u: Awaited<ReturnType<typeof run>>["universe"]): JudgeInput {
  return u.judgeInput();
}

describe("F7: a policy bundle validate and apply accept, serve refuses", () => {
  it("is reproduced by its scenario and reported as known, not failing", async () => {
    const { result } = await run();
    expect(result.verdict).toBe("pass");
    expect(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code}@${k.step}`)).toEqual([
      "F7-accepted-policy-unservable accepted-means-servable/accepted_config_refused@3",
    ]);
  });

  it("starts from a bundle config validation accepts and the policy loader rejects", async () => {
    const d = desiredFromFixture(scenario.fixture);
    d.policy.danglingGroup = true;
    const tree = new MemWorkTree();
    tree.replaceDir(CONFIG_DIR, renderWorkTree(d));
    const proc = World.simulated("validate").spawn("validate");
    const v = await modelSystem().validate({ proc, workTree: tree, configDir: CONFIG_DIR });
    expect(v.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    const loaded = PolicyEngine.loadGraph(policyText(0, true), "knowledge");
    expect(loaded.ok ? "" : loaded.message).toBe(
      "policy rule 'writers-change' references unknown group 'writers'",
    );
  });

  it("is what keeps that universe green: without the signature the oracle fails", async () => {
    const { result } = await run(KNOWN_FINDINGS.filter((f) => f !== F7));
    expect(result.violations.map((v) => `${v.oracle}/${v.code}@${v.step}`)).toEqual([
      "accepted-means-servable/accepted_config_refused@3",
    ]);
  });

  it("matches only when the recorded bundle truly fails to load", async () => {
    const { universe } = await run();
    const input = inputOf(universe);
    const [v] = acceptedMeansServable.judge(input);
    expect(v).toBeDefined();
    if (v === undefined) return;
    expect(F7.matches(v, input)).toBe(true);
    // The same refusal over a bundle that loads (the model quarantining a good bundle) is not F7.
    const bad = policyText(0, true);
    const sources = new Map(input.sourcesByDigest);
    sources.set(sha256Hex(bad), policyText(0));
    expect(F7.matches(v, { ...input, sourcesByDigest: sources })).toBe(false);
    expect(F7.matches({ ...v, oracle: "serve-liveness" }, input)).toBe(false);
  });
});

// Synthetic records: an apply, then a boot of the state it left.

function ledgerObs(resources: Record<string, Record<string, unknown>>): Observation {
  return {
    ledger: {
      text: JSON.stringify(resources),
      revision: 2,
      resources,
      configDigest: "c",
      parsed: true,
    },
    lockId: null,
    lockPresent: false,
    sidecars: [],
    graphs: {},
  };
}

const desired = desiredFromFixture(scenario.fixture);

function rec(
  index: number,
  step: Step,
  outcome: Outcome,
  pre: Observation,
  post = pre,
): StepRecord {
  return {
    index,
    phase: "life",
    step,
    outcome,
    pre,
    post,
    traceFrom: 0,
    traceTo: 0,
    desired,
    strict: false,
  };
}

function applied(diagnostics: Diag[] = []): Outcome {
  return {
    kind: "apply",
    view: { ok: true, converged: true, state_written: true, changes: [], diagnostics },
  };
}

function booted(view: Partial<BootView>): Outcome {
  return {
    kind: "boot",
    view: {
      ok: true,
      ready: [],
      quarantined: [],
      failureCode: null,
      diagnostics: [],
      ...view,
    },
  };
}

const NO_LIVENESS: LivenessRecord = {
  ran: false,
  rounds: 0,
  converged: false,
  expectedReady: [],
  ready: [],
  bootOk: false,
  note: "",
};

function codes(records: StepRecord[]): string[] {
  const input = { records, liveness: NO_LIVENESS, events: [], sourcesByDigest: new Map() };
  return acceptedMeansServable.judge(input).map((v) => v.code);
}

function judge(obs: Observation, apply: Outcome, boot: Outcome): string[] {
  return codes([rec(0, { op: "apply" }, apply, obs), rec(1, { op: "boot" }, boot, obs)]);
}

const error = (code: string, path: string): Diag => ({
  code,
  severity: "error",
  path,
  message: code,
});

describe("accepted-means-servable: refusals the specification prescribes", () => {
  const oneGraph = ledgerObs({ "graph.kb": { digest: "g" } });

  it("an applied revision without graphs may refuse with cluster_empty, and only with it", () => {
    const empty = ledgerObs({});
    const refused = (codes: string[]) =>
      booted({
        ok: false,
        failureCode: "cluster_not_ready",
        diagnostics: codes.map((c) => error(c, "__cluster/state.json")),
      });
    expect(judge(empty, applied(), refused(["cluster_empty"]))).toEqual([]);
    expect(judge(empty, applied(), refused(["cluster_empty", "catalog_payload_missing"]))).toEqual([
      "accepted_config_refused",
    ]);
    expect(judge(oneGraph, applied(), refused(["cluster_empty"]))).toEqual([
      "accepted_config_refused",
    ]);
  });

  it("recovery the apply reported pending may quarantine its graph; unreported, it may not", () => {
    const pending: Observation = {
      ...ledgerObs({ "graph.kb": { digest: "g" }, "graph.other": { digest: "h" } }),
      sidecars: [
        { key: "__cluster/recoveries/x.json", kind: "schema_apply", graphId: "kb", valid: true },
      ],
    };
    const boot = booted({
      ready: ["other"],
      quarantined: [{ graphId: "kb", code: "cluster_recovery_pending", reason: "op x" }],
    });
    const warned: Diag = {
      code: "cluster_recovery_pending",
      severity: "warning",
      path: "graph.kb",
      message: "kept",
    };
    expect(judge(pending, applied([warned]), boot)).toEqual([]);
    expect(judge(pending, applied(), boot)).toEqual(["applied_graph_not_served"]);
  });

  it("judges only a clean apply, and only a boot of the very state it left", () => {
    const boot = booted({ ok: false, failureCode: "no_graphs_opened" });
    expect(judge(oneGraph, applied(), boot)).toEqual(["accepted_config_refused"]);
    const notConverged: Outcome = {
      kind: "apply",
      view: { ok: true, converged: false, state_written: true, changes: [], diagnostics: [] },
    };
    expect(judge(oneGraph, notConverged, boot)).toEqual([]);
    const changed = ledgerObs({ "graph.kb": { digest: "changed" } });
    expect(
      codes([rec(0, { op: "apply" }, applied(), oneGraph), rec(1, { op: "boot" }, boot, changed)]),
    ).toEqual([]);
  });

  it("what serve enforces must be what apply recorded", () => {
    const obs = ledgerObs({
      "graph.kb": { digest: "g" },
      "query.kb.find": { digest: "q1" },
      "policy.base": { digest: "p1", applies_to: ["graph.kb"] },
    });
    const enforced = (policyDigest: string | null, queries: Record<string, string>) =>
      booted({
        ready: ["kb"],
        enforced: {
          serverPolicyDigest: null,
          graphs: [{ graphId: "kb", policyDigest, queries, embedding: null }],
        },
      });
    expect(judge(obs, applied(), enforced("p1", { find: "q1" }))).toEqual([]);
    expect(judge(obs, applied(), enforced(null, { find: "q1" }))).toEqual([
      "recorded_policy_not_enforced",
    ]);
    expect(judge(obs, applied(), enforced("p1", {}))).toEqual(["recorded_queries_not_served"]);
  });

  it("a graph embeds with the profile its recorded provider carries", () => {
    const obs = ledgerObs({
      "graph.kb": { digest: "g", embedding_provider: "provider.embedding.default" },
      "provider.embedding.default": {
        digest: "e",
        embedding_profile: { kind: "mock", model: "mock-m2" },
      },
    });
    const embeds = (embedding: { provider: string; model: string } | null) =>
      booted({
        ready: ["kb"],
        enforced: {
          serverPolicyDigest: null,
          graphs: [{ graphId: "kb", policyDigest: null, queries: {}, embedding }],
        },
      });
    expect(judge(obs, applied(), embeds({ provider: "mock", model: "mock-m2" }))).toEqual([]);
    expect(judge(obs, applied(), embeds({ provider: "mock", model: "mock-m1" }))).toEqual([
      "recorded_embedding_not_served",
    ]);
    expect(judge(obs, applied(), embeds(null))).toEqual(["recorded_embedding_not_served"]);
  });
});

describe("F7 on the refusals its scenario does not reach", () => {
  const bad = policyText(0, true);
  const sources = new Map([[sha256Hex(bad), bad]]);

  function f7(scope: string, boot: Outcome, strict = false): boolean {
    const obs = ledgerObs({
      "graph.kb": { digest: "g" },
      "policy.base": { digest: sha256Hex(bad), applies_to: [scope] },
    });
    const records = [
      rec(0, { op: "apply" }, applied(), obs),
      { ...rec(1, { op: "boot" }, boot, obs), strict },
    ];
    const input = { records, liveness: NO_LIVENESS, events: [], sourcesByDigest: sources };
    const [v] = acceptedMeansServable.judge(input);
    return v !== undefined && F7.matches(v, input);
  }

  it("a cluster-bound bundle the server loader rejects refuses boot", () => {
    const refused = booted({ ok: false, failureCode: "server_policy_invalid" });
    expect(f7("cluster", refused)).toBe(true);
    // Bound to a graph, that bundle is not what a server-policy refusal is about.
    expect(f7("graph.kb", refused)).toBe(false);
  });

  it("strict mode refuses the boot instead of quarantining", () => {
    const quarantine: Diag = {
      code: "graph_policy_invalid",
      severity: "warning",
      path: "graph.kb",
      message: "unknown group",
    };
    const strictRefusal = booted({
      ok: false,
      failureCode: "strict_open_failed",
      diagnostics: [quarantine],
    });
    expect(f7("graph.kb", strictRefusal, true)).toBe(true);
    expect(f7("graph.kb", strictRefusal, false)).toBe(false);
    const openFailed = booted({
      ok: false,
      failureCode: "strict_open_failed",
      diagnostics: [{ ...quarantine, code: "graph_open_failed" }],
    });
    expect(f7("graph.kb", openFailed, true)).toBe(false);
  });
});
