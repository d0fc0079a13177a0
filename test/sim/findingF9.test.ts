import { describe, expect, it } from "vitest";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { stagingPromotedThenRolledBack as F9 } from "../../sim/findings/stagingPromotedThenRolledBack.ts";
import { jobContext } from "../../sim/orchestrator/runJob.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import type { ScriptedScenario } from "../../sim/scenario/schema.ts";
import { runUniverse } from "../../sim/universe/run.ts";
import { BACKEND_PROFILES } from "../../src/world/store/profiles.ts";

// An add-type apply fails before its manifest commit (staging and sidecar left); the next
// apply's open promotes that staging and its drift sweep's commit fails too; the apply after
// that rolls the sidecar back under the promoted schema.
const scenario = (backend: string) =>
  parseScenarioText(
    `kind: scripted
name: promoted-then-rolled-back
description: F9 by failpoints, on one backend
fixture:
  graphs: [knowledge, archive]
  backend: ${backend}
liveness: false
steps:
  - op: edit-schema
    graph: archive
    change: add-type
  - op: apply
    crash: { kind: failpoint, name: engine.manifest.commit.before, mode: error }
  - op: edit-schema
    graph: archive
    change: add-optional
  - op: apply
    crash: { kind: failpoint, name: engine.manifest.commit.before, mode: error }
  - op: apply
`,
    "promoted-then-rolled-back.yaml",
  ) as ScriptedScenario;

const MISSING = /missing source table 'node:Company' for schema apply/;

describe("F9 on every backend", () => {
  it.each(BACKEND_PROFILES)(
    "%s: the torn graph's schema apply is known F9 (on S3 the promotion is a copy then a delete)",
    async (backend) => {
      const run = await runUniverse(
        { scenario: scenario(backend), seed: 1, defects: [] },
        jobContext(),
      );
      expect(run.result.violations).toEqual([]);
      const hit = run.result.known.find((k) => k.finding === F9.id);
      expect(hit?.observed).toMatch(MISSING);
      // Red without the signature: the same failure is unexplained.
      const bare = await runUniverse(
        { scenario: scenario(backend), seed: 1, defects: [] },
        { ...jobContext(), findings: KNOWN_FINDINGS.filter((f) => f !== F9) },
      );
      expect(bare.result.violations.map((v) => v.observed)).toContainEqual(
        expect.stringMatching(MISSING),
      );
    },
  );
});
