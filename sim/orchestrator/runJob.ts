import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import { modelSystem, sameSchema } from "../universe/modelSystem.ts";
import type { UniverseResult } from "../universe/result.ts";
import { runUniverse } from "../universe/run.ts";
import type { UniverseJob } from "./jobs.ts";

/**
 * One job against the model, optionally twice to check determinism (the first divergent
 * trace event is named when the hashes differ). Used in-process and inside pool workers.
 */
export async function runJob(job: UniverseJob, checkDeterminism: boolean): Promise<UniverseResult> {
  const system = modelSystem();
  const oracles = allOracles({ sameSchema });
  const first = await runUniverse(job, {
    system,
    oracles,
    findings: KNOWN_FINDINGS,
    keepTrace: checkDeterminism,
  });
  if (!checkDeterminism) return first.result;
  const second = await runUniverse(job, {
    system,
    oracles,
    findings: KNOWN_FINDINGS,
    keepTrace: true,
  });
  if (second.result.traceHash === first.result.traceHash) return first.result;
  const a = first.trace ?? [];
  const b = second.trace ?? [];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return {
    ...first.result,
    verdict: "fail",
    violations: [
      ...first.result.violations,
      {
        oracle: "determinism",
        code: "trace_diverged",
        step: -1,
        expected: `the same trace twice (hash ${first.result.traceHash})`,
        observed: `event ${i} differs: '${a[i] ?? "<end>"}' vs '${b[i] ?? "<end>"}' (second hash ${second.result.traceHash})`,
      },
    ],
  };
}
