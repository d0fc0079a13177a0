import { KNOWN_FINDINGS } from "../findings/index.ts";
import { allOracles } from "../oracles/index.ts";
import { BirthCache } from "../universe/birth.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import type { UniverseResult } from "../universe/result.ts";
import { type RunOptions, runUniverse } from "../universe/run.ts";
import type { UniverseJob } from "./jobs.ts";
import { type RejectionWatch, withRejections } from "./rejections.ts";

/** What the universes one thread runs share: the model, the oracles, and their births. */
export type JobContext = Pick<RunOptions, "system" | "oracles" | "findings" | "births">;

/** A thread's context: make one per thread (or per fleet) and pass it to every runJob. */
export function jobContext(): JobContext {
  return {
    system: modelSystem(),
    oracles: allOracles(modelOracleDeps),
    findings: KNOWN_FINDINGS,
    births: new BirthCache(),
  };
}

/**
 * One job against the model, optionally twice to check determinism (the first divergent
 * trace event is named when the hashes differ). Used in-process and inside pool workers.
 * With the thread's `watch`, a promise the universe left rejected and unhandled makes it a
 * crash instead of killing the thread later.
 */
export async function runJob(
  job: UniverseJob,
  checkDeterminism: boolean,
  ctx: JobContext = jobContext(),
  watch?: RejectionWatch,
): Promise<UniverseResult> {
  if (watch === undefined) return judged(job, checkDeterminism, ctx);
  const { value, rejections } = await watch.run(() => judged(job, checkDeterminism, ctx));
  return withRejections(value, rejections);
}

async function judged(
  job: UniverseJob,
  checkDeterminism: boolean,
  ctx: JobContext,
): Promise<UniverseResult> {
  const first = await runUniverse(job, { ...ctx, keepTrace: checkDeterminism });
  if (!checkDeterminism) return first.result;
  const second = await runUniverse(job, { ...ctx, keepTrace: true });
  if (second.result.traceHash === first.result.traceHash) return first.result;
  const a = first.trace ?? [];
  const b = second.trace ?? [];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const violations = [
    ...first.result.violations,
    {
      oracle: "determinism",
      code: "trace_diverged",
      step: -1,
      expected: `the same trace twice (hash ${first.result.traceHash})`,
      observed: `event ${i} differs: '${a[i] ?? "<end>"}' vs '${b[i] ?? "<end>"}' (second hash ${second.result.traceHash})`,
    },
  ];
  // A universe the harness crashed in stays a crash (its error says more); any other fails.
  return first.result.verdict === "crash"
    ? { ...first.result, violations }
    : { ...first.result, verdict: "fail", violations };
}
