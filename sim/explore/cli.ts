import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFECT_NAMES, type DefectName, isDefectName } from "../../src/world/defects.ts";
import { InputError } from "../cli/InputError.ts";
import { checkWritable, writeOut } from "../cli/output.ts";
import { KNOWN_FINDINGS } from "../findings/index.ts";
import { OP_NAMES, type OpName } from "../ops/index.ts";
import { allOracles } from "../oracles/index.ts";
import { parseShard } from "../orchestrator/jobs.ts";
import { loadScenarioFile } from "../scenario/load.ts";
import { findScenario, shippedScenarios } from "../scenario/registry.ts";
import type { Scenario } from "../scenario/schema.ts";
import { modelOracleDeps, modelSystem } from "../universe/modelSystem.ts";
import { explore, type Progress } from "./explore.ts";
import { formatExploration, totals } from "./format.ts";
import { type ExploreReport, loadExploreReport, mergeExplorations, toReport } from "./report.ts";
import { CRASH_MODES, type CrashMode } from "./transitions.ts";

/** What `pnpm sim explore` needs of the CLI: its streams and (for rates and limits) a clock. */
export interface ExploreIo {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
  /** The wall clock (src/world/real's, or a test's). */
  readonly now?: () => number;
}

/** Depths beyond this are bad input: the frontier grows about a hundredfold per level. */
export const MAX_DEPTH = 8;
/** Where found histories are written. */
export const FAILURES_DIR = "failures";

export const EXPLORE_HELP = `usage:
  pnpm sim explore [--fixture NAME|FILE] [--depth K] [--crashes all|writes|none] [--ops a,b]
                   [--max-states N] [--time-limit S] [--shard K/N] [--json FILE]
                   [--seed N] [--defect D] [--hostile] [--no-liveness]
  pnpm sim explore --merge A.json B.json ... [--json OUT.json]

  Breadth-first over every short history from a fixture's birth: each representative step of
  each operation (the op table's examples), and with each step every crash point it reaches
  (each failpoint at each pass, in error and crash mode, and a kill at each durable write; the
  next step recovers as it naturally does). States are deduplicated by a canonical digest of
  the durable world; every path is judged by every oracle, every new state gets the liveness
  phase; the shortest history of each violation is written to failures/ with a replay line.

options:
  --fixture NAME|FILE  the shipped scenario (or scenario file) whose fixture and serve mode to
                       start from (default: default, the two-graph fixture)
  --depth K            steps per history, 1 to ${MAX_DEPTH} (default 2)
  --crashes MODE       all (default), writes (kills at durable writes only) or none
  --ops a,b            only these operations (default: every one of the op table)
  --max-states N       stop once N distinct states are known
  --time-limit S       stop starting transitions after S seconds
  --shard K/N          expand only the last level's parents at index K-1 modulo N
  --merge FILES...     merge the --json reports of every shard of one config
  --json FILE          write the report as JSON (everything but its timing is deterministic)
  --seed N             the universes' seed (ids and rows; default 1)
  --defect NAME        switch the model to a planted defect (repeatable)
  --hostile            let edits write hostile configuration too
  --no-liveness        skip the liveness phase of new states

exit codes: 0 no violation, 1 violations found, 2 bad input`;

const OPTIONS = {
  fixture: { type: "string" },
  depth: { type: "string" },
  crashes: { type: "string" },
  ops: { type: "string" },
  "max-states": { type: "string" },
  "time-limit": { type: "string" },
  shard: { type: "string" },
  merge: { type: "boolean" },
  json: { type: "string" },
  seed: { type: "string" },
  defect: { type: "string", multiple: true },
  hostile: { type: "boolean" },
  "no-liveness": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} expects a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `--${name} must be from ${min} to ${max}`);

const ExploreArgs = z.object({
  fixture: z.string().min(1, "--fixture needs a scenario name or file").default("default"),
  depth: whole("depth", 1, MAX_DEPTH).default(2),
  crashes: z
    .string()
    .refine((c) => (CRASH_MODES as readonly string[]).includes(c), {
      message: `--crashes expects ${CRASH_MODES.join(", ")}`,
    })
    .default("all"),
  ops: z
    .string()
    .transform((t) => t.split(",").filter((o) => o !== ""))
    .refine((os) => os.length > 0, "--ops needs at least one operation")
    .refine((os) => os.every((o) => (OP_NAMES as readonly string[]).includes(o)), {
      message: `--ops takes operations of the op table: ${OP_NAMES.join(", ")}`,
    })
    .optional(),
  maxStates: whole("max-states", 1, 100_000_000).optional(),
  timeLimit: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "--time-limit expects seconds")
    .transform(Number)
    .optional(),
  shard: z.string().optional(),
  merge: z.boolean().default(false),
  json: z.string().optional(),
  seed: whole("seed", 1, 2 ** 31 - 1).default(1),
  defects: z.array(
    z
      .string()
      .refine(isDefectName, { message: `unknown defect; known: ${DEFECT_NAMES.join(", ")}` }),
  ),
  hostile: z.boolean().default(false),
  noLiveness: z.boolean().default(false),
  inputs: z.array(z.string()),
});

function parse(argv: readonly string[]): z.infer<typeof ExploreArgs> & { help: boolean } {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const m = (e as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(m);
    throw new InputError(
      "bad_arguments",
      unknown
        ? `unknown option '${unknown[1]}' (see pnpm sim explore --help)`
        : (m.split("\n")[0] ?? "bad arguments"),
    );
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 0 && !v.merge)
    throw new InputError("bad_arguments", `unexpected argument '${positionals[0]}'`);
  if (v.merge)
    for (const o of Object.keys(v))
      if (o !== "merge" && o !== "json" && o !== "help")
        throw new InputError(
          "bad_arguments",
          `--merge takes shard reports and --json only (the config is the reports'), not --${o}`,
        );
  const r = ExploreArgs.safeParse({
    fixture: v.fixture,
    depth: v.depth,
    crashes: v.crashes,
    ops: v.ops,
    maxStates: v["max-states"],
    timeLimit: v["time-limit"],
    shard: v.shard,
    merge: v.merge ?? false,
    json: v.json,
    seed: v.seed,
    defects: v.defect ?? [],
    hostile: v.hostile ?? false,
    noLiveness: v["no-liveness"] ?? false,
    inputs: positionals,
  });
  if (!r.success)
    throw new InputError("bad_arguments", r.error.issues[0]?.message ?? "bad arguments");
  return { ...r.data, help: v.help ?? false };
}

function fixtureScenario(name: string): Scenario {
  if (/[/\\]|\.(ya?ml|json)$/.test(name)) return loadScenarioFile(name);
  return findScenario(name, shippedScenarios());
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** `pnpm sim explore ...` (argv after the command word). */
export async function exploreCommand(argv: readonly string[], io: ExploreIo): Promise<number> {
  const a = parse(argv);
  if (a.help) {
    io.out(EXPLORE_HELP);
    return 0;
  }
  if (a.json !== undefined) checkWritable("--json", a.json);
  let report: ExploreReport;
  if (a.merge) {
    if (a.inputs.length === 0)
      throw new InputError("bad_arguments", "--merge needs the shard reports to merge");
    report = mergeExplorations(a.inputs.map(loadExploreReport));
  } else {
    const shard = a.shard !== undefined ? parseShard(a.shard) : undefined;
    const scenario = fixtureScenario(a.fixture);
    const ops = (a.ops ?? OP_NAMES) as OpName[];
    const config = {
      fixtureName: scenario.name,
      fixture: scenario.fixture,
      serve: scenario.serve,
      depth: a.depth,
      crashes: a.crashes as CrashMode,
      // Table order, whatever order --ops named them in.
      ops: OP_NAMES.filter((o) => ops.includes(o)),
      hostile: a.hostile,
      seed: a.seed,
      defects: [...new Set(a.defects as DefectName[])].sort(),
      liveness: !a.noLiveness,
    };
    io.err(
      `exploring ${scenario.name} to depth ${config.depth}, crashes ${config.crashes}, ${config.ops.length} ops${shard ? `, shard ${shard.index}/${shard.count}` : ""}\n`,
    );
    const now = io.now;
    const t0 = now?.() ?? 0;
    let lastLine = t0;
    const onProgress = (p: Progress) => {
      const t = now?.() ?? 0;
      if (p.parentsDone < p.parents && (now === undefined || t - lastLine < 2000)) return;
      lastLine = t;
      const s = (t - t0) / 1000;
      io.err(
        `progress depth ${p.depth}: ${p.parentsDone}/${p.parents} states expanded | ${p.states} states | ${p.transitions} transitions${now !== undefined && s > 0 ? ` | ${Math.round(p.states / s)} states/s | elapsed ${clock(t - t0)}` : ""}\n`,
      );
    };
    const e = await explore(config, {
      system: modelSystem(),
      oracles: allOracles(modelOracleDeps),
      findings: KNOWN_FINDINGS,
      ...(a.maxStates !== undefined ? { maxStates: a.maxStates } : {}),
      ...(a.timeLimit !== undefined ? { timeLimitMs: a.timeLimit * 1000 } : {}),
      ...(now !== undefined ? { now } : {}),
      ...(shard !== undefined ? { shard } : {}),
      onProgress,
    });
    const elapsed = now !== undefined ? now() - t0 : undefined;
    report = toReport(e, elapsed);
    if (elapsed !== undefined) {
      const t = totals(report);
      const s = Math.max(elapsed, 1) / 1000;
      io.err(
        `explored ${t.states} states, ${t.transitions} transitions in ${s.toFixed(1)} s (${Math.round(t.states / s)} states/s, ${Math.round(t.transitions / s)} transitions/s)\n`,
      );
    }
  }
  for (const line of formatExploration(report, FAILURES_DIR)) io.out(line);
  if (a.json !== undefined) writeOut(a.json, `${JSON.stringify(report, null, 2)}\n`);
  return report.violations.length > 0 ? 1 : 0;
}
