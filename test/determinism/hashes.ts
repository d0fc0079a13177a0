import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";
import { runUniverse } from "../../sim/universe/run.ts";

/** One universe to hash: a shipped scenario and a seed (fixed model). */
export interface HashJob {
  readonly scenario: string;
  readonly seed: number;
}

/**
 * The seeds the determinism checks use: `perScenario` seeds for every shipped scenario,
 * spread over a wide range and different for each scenario, so a few hundred universes cover
 * every scenario without all starting at seed 1.
 */
export function spreadJobs(perScenario: number): HashJob[] {
  return shippedScenarios().flatMap((s, i) =>
    Array.from({ length: perScenario }, (_, k) => ({ scenario: s.name, seed: 1 + i + k * 997 })),
  );
}

/** `scenario seed hash` for each job, in job order. */
export async function traceHashes(jobs: readonly HashJob[]): Promise<string[]> {
  const all = shippedScenarios();
  const system = modelSystem();
  const oracles = allOracles(modelOracleDeps);
  const out: string[] = [];
  for (const j of jobs) {
    const { result } = await runUniverse(
      { scenario: findScenario(j.scenario, all), seed: j.seed, defects: [] },
      { system, oracles, findings: KNOWN_FINDINGS },
    );
    out.push(`${j.scenario} ${j.seed} ${result.traceHash}`);
  }
  return out;
}

// As a script (`node --import tsx test/determinism/hashes.ts < jobs.json`): the same lines on
// stdout, computed in a fresh process.
if (import.meta.url === `file://${process.argv[1]}`) {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const jobs = JSON.parse(Buffer.concat(chunks).toString("utf8")) as HashJob[];
  for (const line of await traceHashes(jobs)) process.stdout.write(`${line}\n`);
}
