import { wallMs } from "../../src/world/real/wall.ts";
import type { Report, ReportEnd, Summary, UniverseRecord } from "../report/schema.ts";
import type { UniverseResult } from "../universe/result.ts";
import { HARNESS_VERSION } from "../version.ts";
import type { Interrupt, StopSignal } from "./interrupt.ts";
import type { JobPlan, UniverseJob } from "./jobs.ts";
import { UniversePool } from "./pool.ts";
import { RejectionWatch } from "./rejections.ts";
import { replayLine } from "./replayLine.ts";
import type { Reporter } from "./reporter.ts";
import { type JobContext, jobContext, runJob } from "./runJob.ts";
import type { WorkerEntry } from "./workerBundle.ts";

export interface FleetOptions {
  /**
   * The jobs, in the order their results are reported: a lazy plan (`jobPlan`) or an array.
   * The CLI's plan is in (scenario, seed) order, the order of the report.
   */
  readonly jobs: readonly UniverseJob[] | JobPlan;
  /**
   * 1 runs in this thread; N > 1 runs universes on this thread and N - 1 worker threads.
   * Reports are identical.
   */
  readonly workers: number;
  readonly checkDeterminism: boolean;
  readonly reporters: readonly Reporter[];
  /** Stop starting new universes after this many wall-clock milliseconds. */
  readonly timeLimitMs?: number;
  /** A stop request (Ctrl-C, SIGTERM): no more universes start, the report is marked. */
  readonly interrupt?: Interrupt;
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

/** What a report says before its universes: the same for every report of a fleet. */
export function reportHead(
  defects: readonly string[],
): Pick<Report, "tool" | "harnessVersion" | "nodeVersion" | "defects"> {
  return {
    tool: "omnigraph-sim",
    harnessVersion: HARNESS_VERSION,
    nodeVersion: process.version,
    defects: [...defects].sort(),
  };
}

const byName = <T>(entries: Iterable<[string, T]>): Array<[string, T]> =>
  [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/**
 * The summary's counts, taken one record at a time: a fleet of a million universes keeps these
 * figures, not the records. Independent of the order records come in.
 */
export class Tally {
  private universes = 0;
  private passed = 0;
  private failed = 0;
  private crashed = 0;
  private violations = 0;
  private readonly byOracle = new Map<string, number>();
  private readonly known = new Map<string, number>();
  private readonly scenarios = new Set<string>();
  private seedMin = Number.POSITIVE_INFINITY;
  private seedMax = Number.NEGATIVE_INFINITY;

  add(r: UniverseRecord): void {
    this.universes++;
    if (r.verdict === "pass") this.passed++;
    else if (r.verdict === "fail") this.failed++;
    else this.crashed++;
    for (const v of r.violations) {
      this.byOracle.set(v.oracle, (this.byOracle.get(v.oracle) ?? 0) + 1);
      this.violations++;
    }
    for (const k of r.known) this.known.set(k.finding, (this.known.get(k.finding) ?? 0) + 1);
    this.scenarios.add(r.scenario);
    this.seedMin = Math.min(this.seedMin, r.seed);
    this.seedMax = Math.max(this.seedMax, r.seed);
  }

  summary(elapsedMs: number, stoppedByTimeLimit: boolean, interrupted?: StopSignal): Summary {
    return {
      universes: this.universes,
      passed: this.passed,
      failed: this.failed,
      crashed: this.crashed,
      violations: this.violations,
      violationsByOracle: Object.fromEntries(byName(this.byOracle)),
      knownFindings: Object.fromEntries(byName(this.known)),
      scenarios: [...this.scenarios].sort(),
      seeds: this.universes > 0 ? { from: this.seedMin, to: this.seedMax } : null,
      elapsedMs: Math.round(elapsedMs),
      universesPerSecond:
        elapsedMs > 0 ? Math.round((this.universes / elapsedMs) * 1000 * 10) / 10 : 0,
      stoppedByTimeLimit,
      ...(interrupted !== undefined ? { interrupted } : {}),
    };
  }
}

/** Builds the report from records (sorted by scenario, then seed); pure apart from the timings. */
export function buildReport(
  records: readonly UniverseRecord[],
  reached: ReadonlyMap<string, number>,
  defects: readonly string[],
  elapsedMs: number,
  stoppedByTimeLimit: boolean,
  interrupted?: StopSignal,
): Report {
  const sorted = [...records].sort((a, b) =>
    a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : a.seed - b.seed,
  );
  const tally = new Tally();
  for (const r of sorted) tally.add(r);
  return {
    ...reportHead(defects),
    universes: sorted,
    reached: byName(reached),
    summary: tally.summary(elapsedMs, stoppedByTimeLimit, interrupted),
  };
}

/**
 * Runs every job and gives each finished universe to the reporters in job order, as it
 * completes: results that come back early wait in a reorder buffer no larger than the jobs in
 * flight, so what reporters see never depends on worker timing, and nothing grows with the
 * fleet (jobs are drawn from the plan as they start; records go to the reporters and are
 * dropped). A universe that throws, or leaves a promise rejected and unhandled, is recorded as
 * a crash and never stops the fleet. Returns the report without its universes.
 */
export async function streamFleet(opts: FleetOptions): Promise<ReportEnd> {
  const t0 = wallMs();
  const reached = new Map<string, number>();
  const tally = new Tally();
  const total = "total" in opts.jobs ? opts.jobs.total : opts.jobs.length;
  for (const r of opts.reporters) r.onStart(total);
  let stopped = false;
  const shouldStop = () => {
    if (opts.timeLimitMs !== undefined && wallMs() - t0 > opts.timeLimitMs) stopped = true;
    return stopped || opts.interrupt?.signal !== undefined;
  };
  // Results by job index, waiting for every earlier job's (at most the jobs in flight).
  const waiting = new Map<number, { job: UniverseJob; result: UniverseResult }>();
  let delivered = 0;
  let ended = false;
  const deliver = (job: UniverseJob, result: UniverseResult) => {
    for (const [name, n] of result.reached) reached.set(name, (reached.get(name) ?? 0) + n);
    const rec = toRecord(job, result);
    tally.add(rec);
    delivered++;
    for (const r of opts.reporters) r.onUniverse(rec, delivered, total);
  };
  let expected = 0;
  const accept = (job: UniverseJob, result: UniverseResult, index: number) => {
    if (ended) return; // abandoned: the reports are already written
    waiting.set(index, { job, result });
    for (let w = waiting.get(expected); w !== undefined; w = waiting.get(expected)) {
      waiting.delete(expected++);
      deliver(w.job, w.result);
    }
  };
  const ctx = opts.context ?? jobContext();
  const watch = RejectionWatch.install();
  try {
    if (opts.workers <= 1) {
      let index = 0;
      for (const job of opts.jobs) {
        if (shouldStop()) break;
        accept(job, await runJob(job, opts.checkDeterminism, ctx, watch), index++);
      }
    } else {
      const pool = await UniversePool.start(
        Math.min(opts.workers - 1, Math.max(total - 1, 1)),
        opts.workerEntry,
      );
      let stopWaiting = () => {};
      const abandoned = new Promise<void>((resolve) => {
        stopWaiting = opts.interrupt?.onAbandon(resolve) ?? (() => {});
      });
      try {
        await pool.runAll(
          opts.jobs,
          opts.checkDeterminism,
          accept,
          shouldStop,
          (job) => runJob(job, opts.checkDeterminism, ctx, watch),
          abandoned,
        );
      } finally {
        stopWaiting();
        await pool.close();
      }
    }
  } finally {
    watch.dispose();
  }
  // Abandoned universes leave gaps: what finished after one is reported, still in job order.
  ended = true;
  for (const index of [...waiting.keys()].sort((a, b) => a - b)) {
    const w = waiting.get(index) as { job: UniverseJob; result: UniverseResult };
    deliver(w.job, w.result);
  }
  waiting.clear();
  const end: ReportEnd = {
    ...reportHead(opts.defects),
    reached: byName(reached),
    summary: tally.summary(wallMs() - t0, stopped, opts.interrupt?.signal),
  };
  for (const r of opts.reporters) await r.onEnd(end);
  return end;
}

/**
 * A fleet whose whole report is kept (sorted by scenario, then seed, whatever the job order):
 * for small fleets (coverage, findings, tests). The CLI streams (`streamFleet`).
 */
export async function runFleet(opts: FleetOptions): Promise<Report> {
  const records: UniverseRecord[] = [];
  const keep: Reporter = {
    onStart() {},
    onUniverse(rec) {
      records.push(rec);
    },
    onEnd() {},
  };
  const end = await streamFleet({ ...opts, reporters: [keep, ...opts.reporters] });
  const report = buildReport(
    records,
    new Map(end.reached),
    opts.defects,
    end.summary.elapsedMs,
    end.summary.stoppedByTimeLimit,
    end.summary.interrupted,
  );
  return { ...report, summary: end.summary };
}
