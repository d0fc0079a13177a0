import { mkdirSync } from "node:fs";
import { stringify } from "yaml";
import type { FailpointName } from "../../src/catalog/failpoints.ts";
import { ALL_FAILPOINTS, NAMED_FAILPOINTS, STEP_LABELS } from "../../src/catalog/failpoints.ts";
import { wallMs } from "../../src/world/real/wall.ts";
import { COVERAGE_FILE, runCoverageFleet } from "../coverage/fleet.ts";
import { renderLedger } from "../coverage/ledger.ts";
import { enumerate } from "../enumerate/enumerate.ts";
import { formatEnumeration } from "../enumerate/format.ts";
import { exploreCommand } from "../explore/cli.ts";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { guidedCommand } from "../guided/cli.ts";
import { allOracles } from "../oracles/index.ts";
import { reportHead, streamFleet, toRecord } from "../orchestrator/fleet.ts";
import { Interrupt, SIGNAL_EXIT, type StopSignal } from "../orchestrator/interrupt.ts";
import { jobPlan, parseShard, seedRange, type UniverseJob } from "../orchestrator/jobs.ts";
import { RejectionWatch, withRejections } from "../orchestrator/rejections.ts";
import { replayLine, replayPin } from "../orchestrator/replayLine.ts";
import type { Reporter } from "../orchestrator/reporter.ts";
import { mergeReports } from "../report/merge.ts";
import type { ReportEnd, UniverseRecord } from "../report/schema.ts";
import { ConsoleReporter } from "../reporters/ConsoleReporter.ts";
import { formatFailure, formatSummary } from "../reporters/format.ts";
import { JsonReporter } from "../reporters/json.ts";
import { JunitReporter, toJunit } from "../reporters/junit.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { findScenario, shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { shrinkFailures } from "../shrink/shrinkFailures.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import { runUniverse } from "../universe/run.ts";
import type { LifeCrash } from "../universe/Universe.ts";
import { type Args, commandHelp, HELP, parseCliArgs } from "./args.ts";
import { findingsCommand } from "./findings.ts";
import { goldenCommand } from "./golden.ts";
import { HtmlReporter, loadReport, reportCommand } from "./htmlReport.ts";
import { InputError } from "./InputError.ts";
import { oraclesCommand } from "./oracleTable.ts";
import { checkWritable, FileSpool, OutputFile, writeOut } from "./output.ts";
import { serveCommand } from "./serve.ts";

export const DEFAULT_SEEDS = 50;
/** Failing universes shrunk automatically after a run (one per distinct oracle and code). */
export const DEFAULT_SHRINK = 3;

interface Io {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
  readonly tty: boolean;
  /** The wall clock of the progress line's rate and ETA (a test's own, or src/world/real's). */
  readonly now?: () => number;
  /** stderr's terminal width, when it is one. */
  readonly columns?: () => number | undefined;
  /** Subscribes to SIGINT/SIGTERM for a fleet (returns the unsubscription); none: not stoppable. */
  readonly onSignal?: (handler: (signal: StopSignal) => void) => () => void;
}

function selectScenarios(args: Args): Scenario[] {
  if (args.file !== undefined) return [loadScenarioFile(args.file)];
  const all = shippedScenarios();
  const names = [...new Set(args.scenarios)];
  return names.length === 0 ? all : names.map((n) => findScenario(n, all));
}

async function runCommand(args: Args, io: Io): Promise<number> {
  if (args.guided) return guidedCommand(args, selectGuided(args), io);
  const scenarios = selectScenarios(args);
  const seeds =
    args.seed !== undefined
      ? [args.seed]
      : seedRange(
          args.from ?? 1,
          args.seeds ?? DEFAULT_SEEDS,
          args.shard !== undefined ? parseShard(args.shard) : undefined,
        );
  const seedCount = "count" in seeds ? seeds.count : seeds.length;
  for (const [option, path] of [
    ["--json", args.json],
    ["--junit", args.junit],
    ["--html", args.html],
  ] as const)
    if (path !== undefined) checkWritable(option, path);
  const jobs = jobPlan(scenarios, seeds, args.defects, args.file);
  const workers = args.workers ?? 1;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  io.err(
    `running ${plural(scenarios.length, "scenario")} x ${plural(seedCount, "seed")} = ${plural(jobs.total, "universe")} on ${plural(workers, "worker")}${args.checkDeterminism ? ", each twice (--check-determinism)" : ""}\n`,
  );
  // A report that cannot be written is said, and the violations still exit 1.
  let unwritten = false;
  const guarded = (r: Reporter): Reporter => ({
    onStart: (total) => r.onStart(total),
    onUniverse: (rec, done, total) => r.onUniverse(rec, done, total),
    onEnd: async (end) => {
      try {
        await r.onEnd(end);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        io.err(`omnigraph-sim: ${e.message}\n`);
        unwritten = true;
      }
    },
  });
  const shrinkMax = args.shrink ?? DEFAULT_SHRINK;
  const toShrink = new ShrinkCandidates(shrinkMax);
  const reporters: Reporter[] = [
    new ConsoleReporter({
      out: io.out,
      progress: io.err,
      tty: io.tty,
      ...(io.now !== undefined ? { now: io.now } : {}),
      ...(io.columns !== undefined ? { columns: io.columns } : {}),
    }),
    toShrink,
    ...(args.json !== undefined
      ? [guarded(new JsonReporter(new OutputFile(args.json), reportHead(args.defects)))]
      : []),
    ...(args.junit !== undefined
      ? [guarded(new JunitReporter(new OutputFile(args.junit), new FileSpool()))]
      : []),
    ...(args.html !== undefined ? [guarded(new HtmlReporter(args.html, scenarios, io))] : []),
  ];
  // Ctrl-C or SIGTERM: no more universes start, the running ones finish (a second signal
  // abandons them), the reports so far are written and marked, and the exit code is 130/143.
  const interrupt = new Interrupt();
  const unsubscribe = io.onSignal?.((signal) => {
    const did = interrupt.request(signal);
    if (did === "stop")
      io.err(
        `${io.tty ? "\n" : ""}omnigraph-sim: ${signal}: starting no more universes; finishing the running ones and writing the reports (${signal} again abandons them)\n`,
      );
    if (did === "abandon")
      io.err(`omnigraph-sim: ${signal} again: abandoning the running universes\n`);
  });
  let end: ReportEnd;
  try {
    end = await streamFleet({
      jobs,
      workers,
      checkDeterminism: args.checkDeterminism,
      reporters,
      defects: args.defects,
      interrupt,
      ...(args.timeLimit !== undefined ? { timeLimitMs: args.timeLimit * 1000 } : {}),
    });
  } finally {
    unsubscribe?.();
  }
  const s = end.summary;
  if (s.interrupted !== undefined) return SIGNAL_EXIT[s.interrupted];
  if (shrinkMax > 0 && s.failed > 0) {
    for (const f of await shrinkFailures(
      { ...end, universes: toShrink.records },
      scenarios,
      "failures",
      shrinkMax,
    )) {
      io.out(
        `shrunk ${f.scenario} seed ${f.seed} [${f.oracle}] ${f.code}: ${f.before} steps -> ${f.after} in ${f.runs} runs (${(f.ms / 1000).toFixed(1)} s)`,
      );
      io.out(`  ${f.replay}`);
    }
  }
  const verdict = s.failed + s.crashed > 0 ? 1 : 0;
  if (args.checkDeterminism) {
    // A universe gets at most one determinism violation (runJob adds it once).
    const diverged = s.violationsByOracle.determinism ?? 0;
    io.out(
      diverged === 0
        ? `determinism checked: ${s.universes} universes ran twice, every trace hash equal`
        : `determinism checked: ${diverged} of ${s.universes} universes gave a different trace the second time`,
    );
  }
  return verdict === 1 ? 1 : unwritten ? 2 : 0;
}

/**
 * The failing universes `shrinkFailures` would pick (the first failing one per oracle and code
 * of its first violation, up to `max`), kept as the fleet streams: not every failure.
 */
class ShrinkCandidates implements Reporter {
  readonly records: UniverseRecord[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  onStart(): void {}

  onUniverse(u: UniverseRecord): void {
    const v = u.violations[0];
    if (this.records.length >= this.max || u.verdict !== "fail" || v === undefined) return;
    const key = `${v.oracle}/${v.code}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.records.push(u);
  }

  onEnd(): void {}
}

/** A guided run's one scenario: --file, --scenario, or the default fleet's. */
function selectGuided(args: Args): Scenario {
  if (args.file !== undefined || args.scenarios.length > 0)
    return selectScenarios(args)[0] as Scenario;
  return findScenario("default", shippedScenarios());
}

async function replayCommand(args: Args, io: Io): Promise<number> {
  if (args.seed === undefined) throw new InputError("bad_arguments", "replay needs --seed N");
  const scenarios = selectScenarios(args);
  if (scenarios.length !== 1)
    throw new InputError(
      "bad_arguments",
      "replay needs exactly one --scenario NAME or --file PATH",
    );
  const scenario = scenarios[0] as Scenario;
  const pin = replayPin(scenario);
  if (args.pin !== undefined && args.pin !== pin) {
    throw new InputError(
      "replay_pin_mismatch",
      `refusing to replay: the line was printed for ${args.pin}, but this checkout is ${pin} (the harness version or the scenario definition changed since; re-run the fleet to get a current line)`,
    );
  }
  const life = lifeCrashOf(args);
  const job: UniverseJob = {
    scenario,
    seed: args.seed,
    defects: args.defects,
    ...(life ? { life } : {}),
  };
  // Watched as the fleet watches it, so a universe the fleet called a crash replays as one.
  const watch = RejectionWatch.install();
  const run = await watch
    .run(() =>
      runUniverse(job, {
        system: modelSystem(),
        oracles: allOracles(modelOracleDeps),
        findings: KNOWN_FINDINGS,
        keepTrace: true,
      }),
    )
    .finally(() => watch.dispose());
  const result = withRejections(run.value.result, run.rejections);
  const trace = run.value.trace;
  if (args.trace) for (const line of trace ?? []) io.out(line);
  const rec = toRecord(job, result);
  if (result.verdict === "pass") {
    io.out(`PASS ${scenario.name} seed ${args.seed}`);
    io.out(`  replay: ${replayLine(scenario, args.seed, args.defects, args.file)}`);
    io.out(`  trace:  ${result.traceHash}`);
    return 0;
  }
  for (const line of formatFailure({
    ...rec,
    replay: replayLine(scenario, args.seed, args.defects, args.file),
  }))
    io.out(line);
  return 1;
}

function lifeCrashOf(args: Args): LifeCrash | undefined {
  if (args.killAt === undefined && args.lifeFailpoint === undefined) return undefined;
  const fp = args.lifeFailpoint;
  const at = fp?.lastIndexOf(":") ?? -1;
  return {
    ...(args.killAt ? { killAt: args.killAt } : {}),
    ...(fp
      ? {
          failpoint: {
            name: fp.slice(0, at) as FailpointName,
            mode: fp.slice(at + 1) as "crash" | "error",
          },
        }
      : {}),
  };
}

async function enumerateCommand(args: Args, io: Io): Promise<number> {
  if (args.seed === undefined) throw new InputError("bad_arguments", "enumerate needs --seed N");
  const scenarios = selectScenarios(args);
  if (scenarios.length !== 1)
    throw new InputError(
      "bad_arguments",
      "enumerate needs exactly one --scenario NAME or --file PATH",
    );
  const scenario = scenarios[0] as Scenario;
  const t0 = wallMs();
  const e = await enumerate(scenario, args.seed, {
    system: modelSystem(),
    oracles: allOracles(modelOracleDeps),
    findings: KNOWN_FINDINGS,
    defects: args.defects,
    double: args.double ?? 0,
  });
  const file = `failures/enumerate-${scenario.name}-${args.seed}.yaml`;
  mkdirSync("failures", { recursive: true });
  writeOut(file, `# ${e.base.description}\n${stringify(e.base)}`);
  for (const line of formatEnumeration(e, file, wallMs() - t0)) io.out(line);
  return e.cases.some((c) => c.verdict !== "pass") ? 1 : 0;
}

function catalogCommand(io: Io): number {
  io.out(`# ${NAMED_FAILPOINTS.length} named failpoints (upstream names)`);
  for (const n of NAMED_FAILPOINTS) io.out(n);
  io.out(`# ${STEP_LABELS.length} durable-write steps, each with <step>.before and <step>.after`);
  for (const s of STEP_LABELS) io.out(s);
  io.out(`# ${ALL_FAILPOINTS.length} failpoints in all`);
  return 0;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    // `explore` parses its own options (sim/explore/cli.ts).
    const words = argv[0] === "--" ? argv.slice(1) : argv;
    if (words[0] === "explore") return await exploreCommand(words.slice(1), io);
    const args = parseCliArgs(argv);
    switch (args.command) {
      case "help":
        io.out(args.helpFor !== undefined ? commandHelp(args.helpFor) : HELP);
        return 0;
      case "oracles":
        return await oraclesCommand(args.write, io);
      case "golden":
        return await goldenCommand(args.write, io);
      case "findings":
        return await findingsCommand(args, io);
      case "serve":
        return await serveCommand(args, io);
      case "catalog":
        return catalogCommand(io);
      case "replay":
        return await replayCommand(args, io);
      case "enumerate":
        return await enumerateCommand(args, io);
      case "coverage": {
        const ledger = await runCoverageFleet();
        writeOut(COVERAGE_FILE, renderLedger(ledger));
        const dark = ledger.rows.filter((r) => r.reached === 0);
        io.out(
          `wrote ${COVERAGE_FILE}: ${ledger.rows.length - dark.length}/${ledger.rows.length} failpoints reached over ${ledger.universes} universes`,
        );
        for (const r of dark)
          io.out(
            `  never reached: ${r.failpoint}${r.reason ? ` (${r.reason})` : " (no recorded reason)"}`,
          );
        return dark.some((r) => r.reason === null) ? 1 : 0;
      }
      case "report":
        return await reportCommand(args.input, args.html, args.file, io);
      case "merge": {
        if (args.inputs.length === 0)
          throw new InputError("bad_arguments", "merge needs one or more JSON reports");
        if (args.json === undefined)
          throw new InputError("bad_arguments", "merge needs --json OUT.json");
        const merged = mergeReports(args.inputs.map(loadReport));
        writeOut(args.json, `${JSON.stringify(merged, null, 2)}\n`);
        if (args.junit !== undefined) writeOut(args.junit, toJunit(merged));
        for (const line of formatSummary(merged)) io.out(line);
        return merged.summary.failed + merged.summary.crashed > 0 ? 1 : 0;
      }
      case "run":
        return await runCommand(args, io);
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`omnigraph-sim: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The CLI as a process runs it: this process's arguments, streams and exit code. */
export async function runCli(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true && process.env.CI === undefined,
    now: wallMs,
    columns: () => process.stderr.columns,
    onSignal: (handler) => {
      const int = () => handler("SIGINT");
      const term = () => handler("SIGTERM");
      process.on("SIGINT", int);
      process.on("SIGTERM", term);
      return () => {
        process.off("SIGINT", int);
        process.off("SIGTERM", term);
      };
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runCli();
