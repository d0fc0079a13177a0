import { wallMs } from "../../src/world/real/wall.ts";
import type { Report, UniverseRecord } from "../report/schema.ts";
import type { UniverseResult } from "../universe/result.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { UniverseJob } from "./jobs.ts";
import { UniversePool } from "./pool.ts";
import { RejectionWatch } from "./rejections.ts";
import { replayLine } from "./replayLine.ts";
import type { Reporter } from "./reporter.ts";
import { type JobContext, jobContext, runJob } from "./runJob.ts";
import type { WorkerEntry } from "./workerBundle.ts";

export interface FleetOptions {
  readonly jobs: readonly UniverseJob[];
  /**
   * 1 runs in this thread; N > 1 runs universes on this thread and N - 1 worker threads.
   * Reports are identical.
   */
  readonly workers: number;
  readonly checkDeterminism: boolean;
  readonly reporters: readonly Reporter[];
  /** Stop starting new universes after this many wall-clock milliseconds. */
  readonly timeLimitMs?: number;
  readonly defects: readonly string[];
  /** This thread's model, oracles and births (default: the model's); a test's broken System. */
  readonly context?: JobContext;
  /** What pool threads load (default: the worker bundle); a test's, with its broken System. */
  readonly workerEntry?: WorkerEntry;
}

export function toRecord(job: UniverseJob, r: UniverseResult): UniverseRecord {
  return {
    scenario: r.scenario,
    seed: r.seed,
    defects: [...r.defects],
    verdict: r.verdict,
    traceHash: r.traceHash,
    violations: r.violations.map((v) => ({ ...v })),
    known: r.known.map((k) => ({
      finding: k.finding,
      oracle: k.oracle,
      code: k.code,
      step: k.step,
    })),
    failpointsHit: [...r.failpointsHit],
    steps: r.steps.length,
    deaths: r.deaths,
    storeCalls: r.storeCalls,
    replay: replayLine(job.scenario, job.seed, job.defects, job.file),
    ...(r.faultPlan !== undefined ? { faultPlan: r.faultPlan, excused: r.excused ?? 0 } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

/** Builds the report from records; pure apart from the timings handed in. */
export function buildReport(
  records: readonly UniverseRecord[],
  reached: ReadonlyMap<string, number>,
  defects: readonly string[],
  elapsedMs: number,
  stoppedByTimeLimit: boolean,
): Report {
  const sorted = [...records].sort((a, b) =>
    a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : a.seed - b.seed,
  );
  const byOracle: Record<string, number> = {};
  let violations = 0;
  for (const r of sorted) {
    for (const v of r.violations) {
      byOracle[v.oracle] = (byOracle[v.oracle] ?? 0) + 1;
      violations++;
    }
  }
  const known: Record<string, number> = {};
  for (const r of sorted) for (const k of r.known) known[k.finding] = (known[k.finding] ?? 0) + 1;
  const seeds = sorted.map((r) => r.seed);
  return {
    tool: "omnigraph-sim",
    harnessVersion: HARNESS_VERSION,
    nodeVersion: process.version,
    defects: [...defects].sort(),
    universes: sorted,
    reached: [...reached.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    summary: {
      universes: sorted.length,
      passed: sorted.filter((r) => r.verdict === "pass").length,
      failed: sorted.filter((r) => r.verdict === "fail").length,
      crashed: sorted.filter((r) => r.verdict === "crash").length,
      violations,
      violationsByOracle: Object.fromEntries(
        Object.entries(byOracle).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      ),
      knownFindings: Object.fromEntries(
        Object.entries(known).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      ),
      scenarios: [...new Set(sorted.map((r) => r.scenario))].sort(),
      seeds: seeds.length ? { from: Math.min(...seeds), to: Math.max(...seeds) } : null,
      elapsedMs: Math.round(elapsedMs),
      universesPerSecond:
        elapsedMs > 0 ? Math.round((sorted.length / elapsedMs) * 1000 * 10) / 10 : 0,
      stoppedByTimeLimit,
    },
  };
}

/**
 * Runs every job in order; a universe that throws, or leaves a promise rejected and
 * unhandled, is recorded as a crash and never stops the fleet.
 */
export async function runFleet(opts: FleetOptions): Promise<Report> {
  const t0 = wallMs();
  const records: UniverseRecord[] = [];
  const reached = new Map<string, number>();
  const total = opts.jobs.length;
  for (const r of opts.reporters) r.onStart(total);
  let stopped = false;
  const shouldStop = () => {
    if (opts.timeLimitMs !== undefined && wallMs() - t0 > opts.timeLimitMs) stopped = true;
    return stopped;
  };
  const accept = (job: UniverseJob, result: UniverseResult) => {
    for (const [name, n] of result.reached) reached.set(name, (reached.get(name) ?? 0) + n);
    const rec = toRecord(job, result);
    records.push(rec);
    for (const r of opts.reporters) r.onUniverse(rec, records.length, total);
  };
  const ctx = opts.context ?? jobContext();
  const watch = RejectionWatch.install();
  try {
    if (opts.workers <= 1) {
      for (const job of opts.jobs) {
        if (shouldStop()) break;
        accept(job, await runJob(job, opts.checkDeterminism, ctx, watch));
      }
    } else {
      const pool = await UniversePool.start(
        Math.min(opts.workers - 1, Math.max(opts.jobs.length - 1, 1)),
        opts.workerEntry,
      );
      try {
        await pool.runAll(opts.jobs, opts.checkDeterminism, accept, shouldStop, (job) =>
          runJob(job, opts.checkDeterminism, ctx, watch),
        );
      } finally {
        await pool.close();
      }
    }
  } finally {
    watch.dispose();
  }
  const report = buildReport(records, reached, opts.defects, wallMs() - t0, stopped);
  for (const r of opts.reporters) r.onEnd(report);
  return report;
}
