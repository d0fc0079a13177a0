import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildOracleTable,
  README_PATH,
  readmeSection,
  renderOracleTable,
} from "../../sim/cli/oracleTable.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { explain } from "../../sim/oracles/explain/catalogue.ts";
import { failuresOf } from "../../sim/oracles/explain/failures.ts";
import { buildHistory } from "../../sim/oracles/explain/history.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { DEFECT_NAMES, type DefectName } from "../../src/world/defects.ts";
import { crashEquivalence } from "./defs/crashEquivalence.ts";
import { ledgerNeverRollsBackAndConverges } from "./defs/ledgerNeverRollsBackAndConverges.ts";
import { legacyLedgerHealedByPlainApply } from "./defs/legacyLedgerHealedByPlainApply.ts";
import { noCrashLoop } from "./defs/noCrashLoop.ts";
import { noSidecarSurvivesPreMovementRejection } from "./defs/noSidecarSurvivesPreMovementRejection.ts";
import { quarantineIsLocal } from "./defs/quarantineIsLocal.ts";
import { sidecarsPersistAfterMidMovementFailures } from "./defs/sidecarsPersistAfterMidMovementFailures.ts";
import { findCounterexample, type Property } from "./lib/property.ts";

/**
 * Sensitivity proofs: a check that cannot go red proves nothing. Every oracle and every
 * property is run against a planted defect (src/world/defects.ts) that it must catch, with
 * the expected violation code, and against the fixed model, where it must stay green.
 */

const ORACLES = allOracles(modelOracleDeps);
const SCENARIOS = shippedScenarios();

interface OracleProof {
  readonly scenario: string;
  readonly defect: DefectName;
  readonly code: string;
}

/** For each oracle, a shipped scripted scenario and a defect it must kill, and the code. */
const ORACLE_PROOFS: Record<string, OracleProof> = {
  "sidecar-orphaned-by-rejection": {
    scenario: "trap-non-main-branch",
    defect: "arm-before-preview",
    code: "sidecar_survived_pre_movement_rejection",
  },
  "sidecar-lost-after-movement": {
    scenario: "mid-movement-keeps-sidecar",
    defect: "proof-ignores-version",
    code: "movement_without_sidecar",
  },
  "serve-liveness": {
    scenario: "trap-type-change",
    defect: "arm-before-preview",
    code: "boot_never_succeeds",
  },
  "quarantine-locality": {
    scenario: "mid-movement-keeps-sidecar",
    defect: "serve-refuses-any-sidecar",
    code: "local_problem_failed_boot",
  },
  "ledger-never-rolls-back": {
    scenario: "phase-b-rollback",
    defect: "revision-not-bumped",
    code: "rewritten_without_revision",
  },
  "ledger-converges-to-reality": {
    scenario: "rollforward-then-revert",
    defect: "sweep-skips-rollforward",
    code: "recorded_schema_differs",
  },
  "acknowledged-means-durable": {
    scenario: "state-write-failure",
    defect: "swallow-state-write-error",
    code: "acknowledged_change_lost",
  },
  "backfill-heals-legacy-ledger": {
    scenario: "legacy-ledger-backfill",
    defect: "no-embedding-backfill",
    code: "embedding_profile_not_backfilled",
  },
  "cleanup-failure-is-visible": {
    scenario: "cleanup-failure-visible",
    defect: "silent-sidecar-cleanup",
    code: "cleanup_failure_silent",
  },
  "crash-contract": {
    scenario: "phase-b-rollback",
    defect: "restore-wrong-version",
    code: "rows_changed",
  },
  "concurrent-writes-serialize": {
    scenario: "concurrent-applies",
    defect: "cas-blind-write",
    code: "lost_concurrent_write",
  },
  "accepted-means-servable": {
    scenario: "accepted-policy-unservable",
    defect: "graph-policy-not-attached",
    code: "recorded_policy_not_enforced",
  },
  "outcomes-are-explained": {
    scenario: "mid-movement-keeps-sidecar",
    defect: "open-refuses-recoverable-residue",
    code: "unexplained_failure",
  },
  "observation-records-reality": {
    scenario: "refresh-unopenable-graph",
    defect: "refresh-drops-unopenable",
    code: "live_graph_dropped",
  },
  expectations: {
    scenario: "trap-non-main-branch",
    defect: "arm-before-preview",
    code: "sidecar_count",
  },
};

/** Codes an oracle gained after its first proof, each with its own planted defect. */
const CODE_PROOFS: ReadonlyArray<OracleProof & { readonly oracle: string }> = [
  {
    oracle: "serve-liveness",
    scenario: "comment-only-edit",
    defect: "noop-schema-apply-fails",
    code: "remedy_not_converged",
  },
  {
    oracle: "crash-contract",
    scenario: "create-then-fail",
    defect: "failed-apply-removes-created-graph",
    code: "committed_create_destroyed",
  },
];

async function oracleCodes(oracle: string, scenario: string, defects: readonly DefectName[]) {
  const o = ORACLES.find((x) => x.name === oracle);
  if (o === undefined) throw new Error(`no oracle ${oracle}`);
  const { result } = await runUniverse(
    { scenario: findScenario(scenario, SCENARIOS), seed: 1, defects },
    { system: modelSystem(), oracles: [o], findings: KNOWN_FINDINGS },
  );
  expect(result.error).toBeUndefined();
  return result.violations.map((v) => v.code);
}

describe("every oracle goes red with a planted defect and stays green on the fixed model", () => {
  it("has a proof for each oracle of sim/oracles/index.ts, and only for those", () => {
    expect(Object.keys(ORACLE_PROOFS).sort()).toEqual(ORACLES.map((o) => o.name).sort());
  });

  for (const [oracle, proof] of Object.entries(ORACLE_PROOFS)) {
    it(`${oracle}: ${proof.defect} on ${proof.scenario} gives ${proof.code}`, async () => {
      expect(await oracleCodes(oracle, proof.scenario, [proof.defect])).toContain(proof.code);
      expect(await oracleCodes(oracle, proof.scenario, [])).toEqual([]);
    });
  }
});

interface PropertyProof {
  // biome-ignore lint/suspicious/noExplicitAny: properties differ in their case type
  readonly property: Property<any>;
  readonly defect: DefectName;
  /** A code the counterexample must carry (an oracle's as `oracle/code`, or the property's). */
  readonly code: string;
  /** Runs allowed to find it, at the fixed fast-check seed below. */
  readonly numRuns: number;
}

/** The fast-check seed of every sensitivity search: fixed, so the proof is reproducible. */
const SEED = 6;

const PROPERTY_PROOFS: readonly PropertyProof[] = [
  {
    property: noSidecarSurvivesPreMovementRejection,
    defect: "arm-before-preview",
    code: "sidecar_survived",
    numRuns: 100,
  },
  {
    property: sidecarsPersistAfterMidMovementFailures,
    defect: "proof-ignores-version",
    code: "sidecar-lost-after-movement/movement_without_sidecar",
    numRuns: 100,
  },
  {
    property: sidecarsPersistAfterMidMovementFailures,
    defect: "serve-refuses-any-sidecar",
    code: "quarantine-locality/local_problem_failed_boot",
    numRuns: 100,
  },
  {
    property: sidecarsPersistAfterMidMovementFailures,
    defect: "swallow-state-write-error",
    code: "sidecar-lost-after-movement/movement_without_sidecar",
    numRuns: 100,
  },
  {
    property: noCrashLoop,
    defect: "arm-before-preview",
    code: "serve-liveness/boot_never_succeeds",
    numRuns: 150,
  },
  {
    property: noCrashLoop,
    defect: "no-embedding-backfill",
    code: "serve-liveness/boot_never_succeeds",
    numRuns: 150,
  },
  {
    property: quarantineIsLocal,
    defect: "serve-refuses-any-sidecar",
    code: "quarantine-locality/local_problem_failed_boot",
    numRuns: 150,
  },
  {
    property: ledgerNeverRollsBackAndConverges,
    defect: "revision-not-bumped",
    code: "ledger-never-rolls-back/rewritten_without_revision",
    numRuns: 150,
  },
  {
    property: ledgerNeverRollsBackAndConverges,
    defect: "cas-blind-write",
    code: "concurrent-writes-serialize/lost_concurrent_write",
    numRuns: 200,
  },
  {
    property: legacyLedgerHealedByPlainApply,
    defect: "no-embedding-backfill",
    code: "profile_missing",
    numRuns: 100,
  },
  {
    property: crashEquivalence,
    defect: "swallow-state-write-error",
    code: "ledgers_differ",
    numRuns: 200,
  },
  {
    property: crashEquivalence,
    defect: "sweep-skips-rollforward",
    code: "remedy_did_not_converge",
    numRuns: 200,
  },
];

describe("every property goes red with a planted defect and stays green on the fixed model", () => {
  it("has a proof for each property of test/properties", () => {
    const proven = new Set(PROPERTY_PROOFS.map((p) => p.property.name));
    expect([...proven].sort()).toEqual(
      [
        crashEquivalence,
        ledgerNeverRollsBackAndConverges,
        legacyLedgerHealedByPlainApply,
        noCrashLoop,
        noSidecarSurvivesPreMovementRejection,
        quarantineIsLocal,
        sidecarsPersistAfterMidMovementFailures,
      ]
        .map((p) => p.name)
        .sort(),
    );
  });

  for (const proof of PROPERTY_PROOFS) {
    it(`${proof.property.name}: ${proof.defect} gives ${proof.code}`, async () => {
      const found = await findCounterexample(proof.property, [proof.defect], {
        seed: SEED,
        numRuns: proof.numRuns,
      });
      expect(found, `no counterexample within ${proof.numRuns} runs at seed ${SEED}`).not.toBe(
        null,
      );
      if (found === null) return;
      expect(found.violations.map((v) => v.code)).toContain(proof.code);
      // The same universe on the fixed model: the defect, not the case, made it red.
      expect(await proof.property.check(found.value, [])).toEqual([]);
    });
  }
});

describe("the README's oracle table", () => {
  it("is what `pnpm sim oracles` generates, and every planted defect is killed", async () => {
    const table = await buildOracleTable();
    const generated = renderOracleTable(table);
    const committed = readmeSection(readFileSync(README_PATH, "utf8"));
    expect(
      committed,
      "README.md's oracle table is stale: run `pnpm sim oracles --write` and commit README.md",
    ).toBe(generated);
    expect(table.fixedModel).toEqual([]);
    const unkilled = DEFECT_NAMES.filter((d) => !table.kills.some((k) => k.defect === d));
    expect(unkilled, "planted defects no oracle kills (a finding)").toEqual([]);
  });
});

describe("codes added to an oracle later go red with their own planted defect", () => {
  for (const proof of CODE_PROOFS) {
    it(`${proof.oracle}: ${proof.defect} on ${proof.scenario} gives ${proof.code}`, async () => {
      expect(await oracleCodes(proof.oracle, proof.scenario, [proof.defect])).toContain(proof.code);
      expect(await oracleCodes(proof.oracle, proof.scenario, [])).not.toContain(proof.code);
    });
  }
});

interface RuleProof {
  /** The explanation rule of sim/oracles/explain/catalogue.ts. */
  readonly rule: string;
  readonly scenario: string;
  readonly defect: DefectName;
  /** The failure the defect leaves that no rule may explain (outcomes-are-explained's observed). */
  readonly unexplained: RegExp;
}

/**
 * Explanation rules that a planted defect makes matter: on the fixed model the scenario's
 * failures are explained, some by the rule (delete it and outcomes-are-explained goes red);
 * the defect, planted at the code path the rule explains, leaves a failure nothing explains.
 */
const RULE_PROOFS: readonly RuleProof[] = [
  {
    rule: "config-hostile",
    scenario: "policy-not-utf8",
    defect: "payload-decodes-lossily",
    unexplained: /catalog_payload_digest_mismatch on 'base'/,
  },
  {
    rule: "provider-key-unset",
    scenario: "provider-key-unresolved",
    defect: "mock-provider-needs-key",
    unexplained:
      /quarantine failed with embedding_provider_unresolved on '\w+': .*api_key is required/,
  },
];

async function explainedRun(scenario: string, defects: readonly DefectName[]) {
  const o = ORACLES.filter((x) => x.name === "outcomes-are-explained");
  const { universe: u, result } = await runUniverse(
    { scenario: findScenario(scenario, SCENARIOS), seed: 1, defects },
    { system: modelSystem(), oracles: o, findings: KNOWN_FINDINGS },
  );
  expect(result.error).toBeUndefined();
  const history = buildHistory(u.records, u.world.trace.events);
  const rules = u.records.flatMap((record) =>
    failuresOf(record).map((f) => {
      const why = explain(f, {
        record,
        history,
        deps: modelOracleDeps,
        sourcesByDigest: u.sourcesByDigest,
      });
      return why !== null && why.kind !== "injected" ? why.rule : null;
    }),
  );
  return { rules, violations: result.violations };
}

describe("explanation rules a planted defect makes matter", () => {
  for (const proof of RULE_PROOFS) {
    it(`${proof.rule}: explains ${proof.scenario}; ${proof.defect} leaves a failure unexplained`, async () => {
      const fixed = await explainedRun(proof.scenario, []);
      expect(fixed.violations).toEqual([]);
      expect(fixed.rules).toContain(proof.rule);
      const broken = await explainedRun(proof.scenario, [proof.defect]);
      const v = broken.violations.filter((x) => x.code === "unexplained_failure");
      expect(v.map((x) => x.observed)).toContainEqual(expect.stringMatching(proof.unexplained));
    });
  }
});
