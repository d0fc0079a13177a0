import { runFleet } from "../orchestrator/fleet.ts";
import { allocateSeeds, planJobs } from "../orchestrator/jobs.ts";
import { replayLine } from "../orchestrator/replayLine.ts";
import { type JobContext, jobContext } from "../orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../scenario/registry.ts";
import type { ScriptedScenario, Step } from "../scenario/schema.ts";
import { runUniverse } from "../universe/run.ts";
import { KNOWN_FINDINGS } from "./index.ts";
import type { KnownFinding } from "./KnownFinding.ts";

/** The seed each finding's scenario runs at, as its replay line and the tests name it. */
export const FINDING_SEED = 1;

/** The fleet whose frequencies docs/FINDINGS.md records: what `pnpm sim` runs by default. */
export const FINDINGS_FLEET = { scenario: "default", from: 1, count: 1000 } as const;

export interface FindingHit {
  readonly oracle: string;
  readonly code: string;
  /** Index into the scenario's steps, or -1 for the liveness phase. */
  readonly step: number;
  readonly expected: string;
  readonly observed: string;
}

/** A finding's scenario run at FINDING_SEED. */
export interface ScenarioRun {
  readonly name: string;
  readonly steps: readonly Step[];
  readonly replay: string;
  /** This finding's known hits in that universe. */
  readonly hits: readonly FindingHit[];
  /** What else that universe reported (must be none): failing violations, a harness error. */
  readonly violations: ReadonlyArray<{ oracle: string; code: string; step: number }>;
  readonly error: string | null;
}

export interface FindingReport {
  readonly finding: Omit<KnownFinding, "matches">;
  /** `unusable` says why the named scenario could not run (not shipped, or not scripted). */
  readonly scenario: ScenarioRun | { readonly name: string; readonly unusable: string };
  readonly fleet: {
    /** Universes in which the finding answered at least one violation. */
    readonly universes: number;
    readonly firstSeed: number | null;
    readonly firstReplay: string | null;
  };
}

export interface FindingsReport {
  readonly fleet: { readonly scenario: string; readonly from: number; readonly count: number };
  readonly findings: readonly FindingReport[];
}

export interface FindingsOptions {
  /** Seeds of the fleet (FINDINGS_FLEET.count by default), from FINDINGS_FLEET.from. */
  readonly seeds?: number;
  readonly workers?: number;
}

/**
 * Runs each finding's scenario at FINDING_SEED with every finding active (as any run does), and
 * the default fleet over a fixed seed range; counts per finding the universes it answered in.
 */
export async function buildFindingsReport(opts: FindingsOptions = {}): Promise<FindingsReport> {
  const all = shippedScenarios();
  const ctx = jobContext();
  const fleet = {
    scenario: FINDINGS_FLEET.scenario,
    from: FINDINGS_FLEET.from,
    count: opts.seeds ?? FINDINGS_FLEET.count,
  };
  const fleetScenario = findScenario(fleet.scenario, all);
  const fleetReport = await runFleet({
    jobs: planJobs([fleetScenario], allocateSeeds(fleet.from, fleet.count), []),
    workers: opts.workers ?? 1,
    checkDeterminism: false,
    reporters: [],
    defects: [],
  });
  const out: FindingReport[] = [];
  for (const f of [...KNOWN_FINDINGS].sort((a, b) => findingNumber(a) - findingNumber(b))) {
    const hitting = fleetReport.universes.filter((r) => r.known.some((k) => k.finding === f.id));
    const first = hitting[0];
    const { matches: _, ...data } = f;
    const scenario = all.find((s) => s.name === f.scenario);
    out.push({
      finding: data,
      scenario:
        scenario?.kind === "scripted"
          ? await runScenario(f.id, scenario, ctx)
          : {
              name: f.scenario,
              unusable:
                scenario === undefined
                  ? "no shipped scenario has this name"
                  : "it is generative, not scripted",
            },
      fleet: {
        universes: hitting.length,
        firstSeed: first?.seed ?? null,
        firstReplay: first === undefined ? null : replayLine(fleetScenario, first.seed, []),
      },
    });
  }
  return { fleet, findings: out };
}

/** F<n>: the report reads in the order findings were made, whatever order index.ts lists. */
function findingNumber(f: KnownFinding): number {
  return Number(/^F(\d+)-/.exec(f.id)?.[1] ?? Number.MAX_SAFE_INTEGER);
}

async function runScenario(
  id: string,
  scenario: ScriptedScenario,
  ctx: JobContext,
): Promise<ScenarioRun> {
  const { result } = await runUniverse({ scenario, seed: FINDING_SEED, defects: [] }, ctx);
  return {
    name: scenario.name,
    steps: scenario.steps,
    replay: replayLine(scenario, FINDING_SEED, []),
    hits: result.known
      .filter((k) => k.finding === id)
      .map(({ oracle, code, step, expected, observed }) => ({
        oracle,
        code,
        step,
        expected,
        observed,
      })),
    violations: result.violations.map(({ oracle, code, step }) => ({ oracle, code, step })),
    error: result.error ?? null,
  };
}

/** Why a finding's scenario does not reproduce it cleanly at FINDING_SEED; empty when it does. */
export function reproductionProblems(f: FindingReport): string[] {
  const s = f.scenario;
  if ("unusable" in s) return [`scenario '${s.name}' cannot run: ${s.unusable}`];
  const out: string[] = [];
  if (s.hits.length === 0) out.push(`seed ${FINDING_SEED} shows no known hit of ${f.finding.id}`);
  for (const v of s.violations)
    out.push(`also failing: [${v.oracle}] ${v.code} at ${where(v.step, s.steps.length)}`);
  if (s.error !== null) out.push(`harness error: ${s.error}`);
  return out;
}

/** A violation's step, told apart from the liveness phase's own steps (they follow the script). */
export function where(step: number, scripted: number): string {
  if (step < 0) return "the liveness phase";
  return step < scripted ? `step ${step}` : `step ${step} (liveness phase)`;
}
