/**
 * Measurements that need a fresh process, run from a bundle of this file (as `pnpm sim` runs
 * its CLI): `throughput` (one scenario's universes per second), `find DEFECT` (a cold fleet
 * until the defect's first failure, then its shrink), `memory N,N,...` (heap and RSS over many
 * universes; run with --expose-gc), `batch` and `steady` (the workers figures), `default-detection`,
 * `guided-find` and `guided-pairs` (detection power, bench/guided.ts). Prints one JSON object on stdout.
 */
import { allocateSeeds, planJobs, type UniverseJob } from "../sim/orchestrator/jobs.ts";
import { UniversePool } from "../sim/orchestrator/pool.ts";
import { jobContext, runJob } from "../sim/orchestrator/runJob.ts";
import { findScenario, shippedScenarios } from "../sim/scenario/registry.ts";
import { asScripted, shrink } from "../sim/shrink/shrink.ts";
import { runUniverse } from "../sim/universe/run.ts";
import { DEFECT_NAMES, type DefectName, isDefectName } from "../src/world/defects.ts";
import { defaultDetection, guidedFind, guidedPairs } from "./guided.ts";
import { median, now, range, runBatch } from "./lib.ts";

/** The default fleet's seeds (pnpm sim: seeds 1..50 of every shipped scenario). */
const DEFAULT_SEEDS = 50;

async function find(defect: DefectName): Promise<unknown> {
  const t0 = now();
  const scenarios = shippedScenarios();
  const jobs = planJobs(scenarios, allocateSeeds(1, DEFAULT_SEEDS), [defect]);
  const ctx = jobContext();
  let universes = 0;
  let found: { job: UniverseJob; oracle: string; code: string } | null = null;
  for (const job of jobs) {
    universes++;
    const r = await runJob(job, false, ctx);
    const v = r.violations[0];
    if (r.verdict === "fail" && v !== undefined) {
      found = { job, oracle: v.oracle, code: v.code };
      break;
    }
  }
  const findMs = now() - t0;
  if (found === null) return { defect, found: false, universes, findMs };
  const base = {
    defect,
    found: true,
    universes,
    findMs,
    scenario: found.job.scenario.name,
    seed: found.job.seed,
    oracle: found.oracle,
    code: found.code,
  };
  // The fleet's automatic shrink (sim/shrink/shrinkFailures), timed the same way: re-run the
  // failing universe for its steps (storage faults come pinned to them), then delta-debug them.
  const s0 = now();
  const opts = jobContext();
  const { job } = found;
  const original = await runUniverse(job, opts);
  const initial = asScripted(job.scenario, original.result.steps, job.defects, "bench shrink");
  const r = await shrink(initial, found, async (s) => {
    return (await runUniverse({ scenario: s, seed: job.seed, defects: job.defects }, opts)).result;
  });
  return {
    ...base,
    shrink: { ms: now() - s0, before: r.before, after: r.after, runs: r.runs },
  };
}

async function memory(checkpoints: readonly number[]): Promise<unknown> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const scenarios = shippedScenarios();
  const opts = jobContext();
  const sample = (universes: number, ms: number) => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { universes, heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20, ms };
  };
  const out = [];
  const t0 = now();
  let done = 0;
  // Round-robin over every shipped scenario, each with ever new seeds: nothing repeats.
  for (const target of [...checkpoints].sort((a, b) => a - b)) {
    while (done < target) {
      const scenario = scenarios[done % scenarios.length];
      if (scenario === undefined) break;
      const seed = 1 + Math.floor(done / scenarios.length);
      await runUniverse({ scenario, seed, defects: [] }, opts);
      done++;
    }
    out.push(sample(done, now() - t0));
    process.stderr.write(`memory: ${done} universes\n`);
  }
  return { samples: out };
}

/**
 * `batch N`: N universes over every shipped scenario, round robin as a fleet thread runs them,
 * after a warm-up of the same size; the machine-ceiling measurement runs two of these at once.
 */
async function batch(n: number): Promise<unknown> {
  const scenarios = shippedScenarios();
  const opts = jobContext();
  const run = async (from: number) => {
    for (let i = 0; i < n; i++) {
      const scenario = scenarios[i % scenarios.length];
      if (scenario === undefined) break;
      const seed = from + Math.floor(i / scenarios.length);
      await runUniverse({ scenario, seed, defects: [] }, opts);
    }
  };
  await run(1_000_000);
  const t0 = now();
  await run(1);
  return { universes: n, ms: now() - t0 };
}

/**
 * `steady THREADS WARM TIMED`: a fleet's pool at steady state. THREADS 1 runs on this thread
 * alone; 2 is what `--workers 2` runs (this thread plus one worker). WARM seeds of every
 * scenario warm every thread up (JIT, memos, births), then TIMED other seeds are timed.
 */
async function steady(threads: number, warm: number, timed: number): Promise<unknown> {
  const scenarios = shippedScenarios();
  const ctx = jobContext();
  const pool = threads > 1 ? await UniversePool.start(threads - 1) : null;
  const run = async (jobs: readonly UniverseJob[]) => {
    if (pool === null) for (const j of jobs) await runJob(j, false, ctx);
    else
      await pool.runAll(
        jobs,
        false,
        () => {},
        () => false,
        (j) => runJob(j, false, ctx),
      );
  };
  await run(planJobs(scenarios, allocateSeeds(1_000_000, warm), []));
  const jobs = planJobs(scenarios, allocateSeeds(1, timed), []);
  const t0 = now();
  await run(jobs);
  const ms = now() - t0;
  await pool?.close();
  return { universes: jobs.length, ms };
}

/**
 * `throughput NAME quick|full RUNS`: seeds 1..N of one scenario back to back after a warm-up
 * (the JIT settles only after a few seconds of a scenario's code paths), whose last part
 * calibrates N so that one run takes about 1 s (0.3 s when quick); medians of RUNS runs.
 */
async function throughput(name: string, quick: boolean, runs: number): Promise<unknown> {
  const s = findScenario(name, shippedScenarios());
  const opts = jobContext();
  let warm = await runBatch(s, range(1, 20), opts);
  for (let from = 21, spent = warm.ms; spent < (quick ? 500 : 3000); from += 20) {
    warm = await runBatch(s, range(from, 20), opts);
    spent += warm.ms;
  }
  const perU = warm.ms / warm.universes;
  const n = Math.max(20, Math.min(5000, Math.round((quick ? 300 : 1000) / perU)));
  const batches = [];
  for (let r = 0; r < runs; r++) batches.push(await runBatch(s, range(1, n), opts));
  const b = batches[0];
  if (b === undefined) throw new Error("throughput needs at least one run");
  return {
    n,
    ups: median(batches.map((x) => (x.universes / x.ms) * 1000)),
    ops: median(batches.map((x) => (x.ops / x.ms) * 1000)),
    calls: median(batches.map((x) => (x.storeCalls / x.ms) * 1000)),
    opsPerUniverse: b.ops / b.universes,
    callsPerUniverse: b.storeCalls / b.universes,
  };
}

const [task, arg, ...rest] = process.argv.slice(2);
let result: unknown;
if (task === "find" && arg !== undefined && isDefectName(arg)) result = await find(arg);
else if (task === "memory" && arg !== undefined) result = await memory(arg.split(",").map(Number));
else if (task === "batch" && arg !== undefined) result = await batch(Number(arg));
else if (task === "throughput" && arg !== undefined)
  result = await throughput(arg, rest[0] === "quick", Number(rest[1] ?? 5));
else if (task === "steady" && arg !== undefined)
  result = await steady(Number(arg), Number(rest[0] ?? 100), Number(rest[1] ?? 100));
else if (task === "guided-find" && arg !== undefined && isDefectName(arg)) {
  // `guided-find DEFECT FROM,FROM,... MAX`: one guided run per base seed, to the first detection.
  const froms = (rest[0] ?? "1").split(",").map(Number);
  const out = [];
  for (const from of froms) out.push(await guidedFind(arg, from, Number(rest[1] ?? 100)));
  result = out;
} else if (task === "default-detection" && arg !== undefined)
  // `default-detection SEEDS BLOCK`: the default scenario against every planted defect.
  result = await defaultDetection(DEFECT_NAMES, Number(arg), Number(rest[0] ?? arg));
else if (task === "guided-pairs" && arg !== undefined)
  // `guided-pairs FROM MAX WORKERS`: a guided run until every reachable failpoint pair fired.
  result = await guidedPairs(Number(arg), Number(rest[0] ?? 2000), Number(rest[1] ?? 1));
else
  throw new Error(
    "usage: child.ts find DEFECT | memory N,N,... | batch N | steady T W N | throughput NAME quick|full RUNS | default-detection SEEDS BLOCK | guided-find DEFECT FROMS MAX | guided-pairs FROM MAX WORKERS",
  );
process.stdout.write(`${JSON.stringify(result)}\n`);
