import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { lateEngineCompletion as F3 } from "../../sim/findings/lateEngineCompletion.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/**
 * F3's boot face: a schema apply dies with its staging written; the next apply's open fails
 * before recovery, so its sweep retires the sidecar while the staging stays; a boot completes
 * the staged apply unrecorded; the next apply is refused by the dead apply's lock branch and
 * the pre-movement proof keeps its sidecar (the ledger records the old schema), which the next
 * boot quarantines (default-guided seed 13522).
 */
const scenario: ScriptedScenario = {
  kind: "scripted",
  name: "late-engine-completion-quarantine",
  description: "F3, then the kept sidecar quarantines the graph at boot",
  fixture: {
    graphs: ["knowledge", "archive"],
    provider: false,
    policy: true,
    stateLock: true,
    converged: true,
    rows: 0,
    legacy: [],
    backend: "object-store",
  },
  serve: { strict: false },
  defects: [],
  liveness: true,
  steps: [
    { op: "edit-schema", graph: "archive", change: "add-optional" },
    {
      op: "apply",
      crash: {
        kind: "failpoint",
        name: "engine.schema_apply.staging_write_state.after",
        mode: "crash",
        skip: 0,
      },
    },
    { op: "force-unlock" },
    {
      op: "apply",
      crash: {
        kind: "failpoint",
        name: "engine.recovery.promote_staging.before",
        mode: "error",
        skip: 0,
      },
    },
    { op: "boot" },
    { op: "apply" },
    { op: "boot" },
  ],
} as ScriptedScenario;

describe("F3: the sidecar a stale ledger keeps quarantines the graph at boot", () => {
  it("reports the quarantine as F3, not as an unexplained failure", async () => {
    const { result } = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    expect(result.violations).toEqual([]);
    expect(
      new Set(result.known.map((k) => `${k.finding} ${k.oracle}/${k.code} ${k.step}`)),
    ).toEqual(
      new Set([
        "F3-late-engine-completion sidecar-orphaned-by-rejection/sidecar_survived_pre_movement_rejection 5",
        "F3-late-engine-completion outcomes-are-explained/unexplained_failure 6",
      ]),
    );
  });

  it("is what explains that boot: without F3 the quarantine is unexplained", async () => {
    const others = KNOWN_FINDINGS.filter((f) => f !== F3);
    const { result } = await runUniverse(
      { scenario, seed: 1, defects: [] },
      { ...jobContext(), findings: others },
    );
    expect(result.violations.map((v) => `${v.oracle}/${v.code} ${v.step}`)).toEqual([
      "sidecar-orphaned-by-rejection/sidecar_survived_pre_movement_rejection 5",
      "outcomes-are-explained/unexplained_failure 6",
    ]);
  });

  it("matches only a quarantine whose sidecar the stale-ledger rejection kept", async () => {
    const run = await runUniverse({ scenario, seed: 1, defects: [] }, jobContext());
    const u = run.universe;
    const input = u.judgeInput();
    const boot = u.records[6];
    const q = boot?.outcome.kind === "boot" ? boot.outcome.view.quarantined[0] : undefined;
    expect(q?.graphId).toBe("archive");
    const v = {
      oracle: "outcomes-are-explained",
      code: "unexplained_failure",
      step: 6,
      expected:
        "every failed outcome explained (rules for cluster_recovery_pending: sidecar-pending)",
      observed: `boot quarantine failed with cluster_recovery_pending on 'archive': ${q?.reason}`,
    };
    expect(F3.matches(v, input)).toBe(true);
    // Another operation's sidecar, or the same one before it was written: not F3.
    const other = v.observed.replace(/operation `[^`]+`/, "operation `01OTHER`");
    expect(F3.matches({ ...v, observed: other }, input)).toBe(false);
    expect(F3.matches({ ...v, step: 5 }, input)).toBe(false);
    // The proof had a ledger matching the live schema: a kept sidecar there is no F3.
    const records = input.records.map((r) =>
      r.index !== 5
        ? r
        : {
            ...r,
            pre: {
              ...r.pre,
              ledger:
                r.pre.ledger === null
                  ? null
                  : {
                      ...r.pre.ledger,
                      resources: {
                        ...r.pre.ledger.resources,
                        "schema.archive": { digest: r.pre.graphs.archive?.schemaDigest },
                      },
                    },
            },
          },
    );
    expect(F3.matches(v, { ...input, records })).toBe(false);
  });
});
