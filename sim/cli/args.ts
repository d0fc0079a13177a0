import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { isFailpointName } from "../../src/catalog/failpoints.ts";
import { DEFECT_NAMES, type DefectName, isDefectName } from "../../src/world/defects.ts";
import { InputError } from "./InputError.ts";

export const COMMANDS = [
  "run",
  "replay",
  "enumerate",
  "coverage",
  "report",
  "merge",
  "catalog",
  "oracles",
  "golden",
  "findings",
  "serve",
  "help",
] as const;
export type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  scenario: { type: "string", multiple: true },
  file: { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  from: { type: "string" },
  defect: { type: "string", multiple: true },
  json: { type: "string" },
  junit: { type: "string" },
  html: { type: "string" },
  "time-limit": { type: "string" },
  shard: { type: "string" },
  workers: { type: "string" },
  pin: { type: "string" },
  shrink: { type: "string" },
  double: { type: "string" },
  "kill-at": { type: "string" },
  "life-failpoint": { type: "string" },
  step: { type: "string" },
  port: { type: "string" },
  corpus: { type: "string" },
  "check-determinism": { type: "boolean" },
  guided: { type: "boolean" },
  trace: { type: "boolean" },
  write: { type: "boolean" },
  markdown: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Seeds are 1..MAX_SEED: exact in a double, and in every seed stream of the seed tree. */
export const MAX_SEED = 2 ** 31 - 1;
/** Seeds per scenario in one run (jobs are planned lazily; this bounds a run's length). */
export const MAX_SEEDS = 1_000_000;
/** enumerate --double J plans J second kills per first death; recovery is far shorter. */
export const MAX_DOUBLE = 100;

/** Options that take a value: a value that looks like a negative number is refused by name. */
const VALUED = Object.entries(OPTIONS)
  .filter(([, o]) => o.type === "string")
  .map(([k]) => `--${k}`);

const intText = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `--${name} expects a whole number`)
    .transform(Number)
    .refine((n) => n >= min && Number.isSafeInteger(n), `--${name} must be at least ${min}`);

export const ArgsSchema = z.object({
  command: z.enum(COMMANDS),
  scenarios: z.array(z.string()).default([]),
  file: z.string().optional(),
  seed: intText("seed", 1)
    .refine((n) => n <= MAX_SEED, `--seed must be at most ${MAX_SEED}`)
    .optional(),
  seeds: intText("seeds", 1)
    .refine(
      (n) => n <= MAX_SEEDS,
      `--seeds must be at most ${MAX_SEEDS} (split larger ranges with --from or --shard)`,
    )
    .optional(),
  from: intText("from", 1)
    .refine((n) => n <= MAX_SEED, `--from must be at most ${MAX_SEED}`)
    .optional(),
  defects: z.array(
    z
      .string()
      .refine(isDefectName, { message: `unknown defect; known: ${DEFECT_NAMES.join(", ")}` }),
  ),
  json: z.string().optional(),
  junit: z.string().optional(),
  html: z.string().optional(),
  /** `report`'s positional argument: the saved JSON report to render. */
  input: z.string().optional(),
  inputs: z.array(z.string()).default([]),
  timeLimit: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "--time-limit expects seconds")
    .transform(Number)
    .optional(),
  shard: z.string().optional(),
  workers: intText("workers", 1).optional(),
  pin: z.string().optional(),
  shrink: intText("shrink", 0).optional(),
  double: intText("double", 0)
    .refine((n) => n <= MAX_DOUBLE, `--double must be at most ${MAX_DOUBLE}`)
    .optional(),
  killAt: z
    .string()
    .regex(/^\d+(,\d+)*$/, "--kill-at expects write numbers separated by commas")
    .transform((t) => t.split(",").map(Number))
    .optional(),
  lifeFailpoint: z
    .string()
    .regex(/^[a-z0-9_.]+:(crash|error)$/, "--life-failpoint expects NAME:crash or NAME:error")
    .refine(
      (t) => isFailpointName(t.slice(0, t.lastIndexOf(":"))),
      "--life-failpoint names an unknown failpoint",
    )
    .optional(),
  /** `serve`: the life step after which the world is served (an index into executed steps). */
  step: intText("step", 0).optional(),
  /** `serve`: the loopback port (0: any free one). */
  port: intText("port", 0)
    .refine((n) => n <= 65535, "--port must be at most 65535")
    .optional(),
  checkDeterminism: z.boolean().default(false),
  /** `run --guided`: a coverage-guided fleet (sim/guided); `--corpus DIR` keeps its corpus. */
  guided: z.boolean().default(false),
  corpus: z.string().min(1, "--corpus needs a folder").optional(),
  trace: z.boolean().default(false),
  /** `oracles` and `golden`: rewrite the committed copy instead of printing or checking it. */
  write: z.boolean().default(false),
  /** `findings`: print Markdown instead of plain text. */
  markdown: z.boolean().default(false),
  /** `<command> --help`: the command whose help to print. */
  helpFor: z.enum(COMMANDS).optional(),
});
export type Args = Omit<z.infer<typeof ArgsSchema>, "defects"> & { defects: DefectName[] };

/** Parses argv (a leading `--`, which pnpm passes through, is dropped); throws InputError. */
export function parseCliArgs(
  argv: readonly string[],
  cores: number = availableParallelism(),
): Args {
  const list = argv[0] === "--" ? argv.slice(1) : [...argv];
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  for (let i = 0; i < list.length; i++) {
    const t = list[i] as string;
    const eq = t.indexOf("=");
    const [option, v] = eq > 0 ? [t.slice(0, eq), t.slice(eq + 1)] : [t, list[i + 1]];
    if (VALUED.includes(option) && v !== undefined && /^-\d/.test(v))
      throw new InputError("bad_arguments", `${option} takes no negative number (got '${v}')`);
  }
  try {
    parsed = parseArgs({ args: list, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError("bad_arguments", parseArgsMessage((e as Error).message));
  }
  const { values, positionals } = parsed;
  const maxPositionals =
    positionals[0] === "report" ? 2 : positionals[0] === "merge" ? Number.POSITIVE_INFINITY : 1;
  if (positionals.length > maxPositionals)
    throw new InputError("bad_arguments", `unexpected argument '${positionals[maxPositionals]}'`);
  const command = values.help ? "help" : (positionals[0] ?? "run");
  const helpFor = values.help ? positionals[0] : undefined;
  if (helpFor !== undefined && !(COMMANDS as readonly string[]).includes(helpFor))
    throw new InputError(
      "bad_arguments",
      `unknown command '${helpFor}' (expected ${COMMANDS.join(", ")})`,
    );
  const r = ArgsSchema.safeParse({
    command,
    scenarios: values.scenario ?? [],
    file: values.file,
    seed: values.seed,
    seeds: values.seeds,
    from: values.from,
    defects: values.defect ?? [],
    json: values.json,
    junit: values.junit,
    html: values.html,
    input: positionals[1],
    inputs: positionals.slice(1),
    timeLimit: values["time-limit"],
    shard: values.shard,
    workers: values.workers,
    pin: values.pin,
    shrink: values.shrink,
    double: values.double,
    killAt: values["kill-at"],
    lifeFailpoint: values["life-failpoint"],
    step: values.step,
    port: values.port,
    checkDeterminism: values["check-determinism"] ?? false,
    guided: values.guided ?? false,
    corpus: values.corpus,
    trace: values.trace ?? false,
    write: values.write ?? false,
    markdown: values.markdown ?? false,
    helpFor,
  });
  if (!r.success) {
    const i = r.error.issues[0];
    const what =
      i?.path[0] === "command"
        ? `unknown command '${command}' (expected ${COMMANDS.join(", ")})`
        : (i?.message ?? "bad arguments");
    throw new InputError("bad_arguments", what);
  }
  if (r.data.seeds !== undefined && (r.data.from ?? 1) + r.data.seeds - 1 > MAX_SEED)
    throw new InputError("bad_arguments", `--from + --seeds goes past the last seed, ${MAX_SEED}`);
  if (r.data.workers !== undefined && r.data.workers > cores)
    throw new InputError(
      "bad_arguments",
      `--workers ${r.data.workers} is more than this machine's ${cores} cores: universes are CPU-bound, so more threads only cost memory`,
    );
  if (r.data.seed !== undefined && r.data.seeds !== undefined)
    throw new InputError("bad_arguments", "--seed and --seeds exclude each other");
  if (r.data.seed !== undefined && r.data.from !== undefined)
    throw new InputError("bad_arguments", "--seed and --from exclude each other");
  if (r.data.file !== undefined && r.data.scenarios.length > 0)
    throw new InputError("bad_arguments", "--file and --scenario exclude each other");
  guidedArgs(r.data);
  return r.data as Args;
}

/** What `--guided` and `--corpus` combine with (a guided run is one scenario, one report). */
function guidedArgs(a: z.infer<typeof ArgsSchema>): void {
  if (a.corpus !== undefined && !a.guided)
    throw new InputError("bad_arguments", "--corpus goes with --guided");
  if (!a.guided) return;
  if (a.command !== "run")
    throw new InputError("bad_arguments", `--guided is an option of run, not of ${a.command}`);
  const excluded = [
    ["--seed", a.seed],
    ["--shard", a.shard],
    ["--check-determinism", a.checkDeterminism || undefined],
    ["--json", a.json],
    ["--junit", a.junit],
    ["--html", a.html],
    ["--time-limit", a.timeLimit],
    ["--shrink", a.shrink],
  ] as const;
  for (const [option, value] of excluded)
    if (value !== undefined)
      throw new InputError("bad_arguments", `--guided does not take ${option}`);
  if (new Set(a.scenarios).size > 1)
    throw new InputError("bad_arguments", "--guided grows one scenario's corpus: one --scenario");
}

/**
 * node's parseArgs messages, said for this CLI: its advice to put an option after `--` is
 * wrong here (pnpm passes `--` on), and "argument is ambiguous" does not say what to do.
 */
function parseArgsMessage(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option '${unknown[1]}' (see pnpm sim --help)`;
  const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(message);
  if (ambiguous)
    return `${ambiguous[1]} needs a value, not the option after it (a value starting with - goes as ${ambiguous[1]}=-VALUE)`;
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const flag = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (flag) return `${flag[1]} takes no value`;
  return message.split("\n")[0] ?? "bad arguments";
}

export const HELP = `omnigraph-sim: deterministic simulation of Omnigraph's cluster control plane

usage:
  pnpm sim [run] [options]          run a fleet of universes (default: every shipped scenario)
  pnpm sim replay --scenario NAME --seed N [--defect D] [--pin P] [--trace]
  pnpm sim replay --file case.yaml --seed N [--defect D] [--pin P] [--trace]
                                    rerun one universe exactly, as a printed replay line says
  pnpm sim enumerate --scenario NAME --seed N [--double J]
                                    kill the universe at every durable write, fail it at every
                                    failpoint it reaches (both modes), and (J > 0) kill it again
                                    in the J writes after each first death (J at most ${MAX_DOUBLE});
                                    judge every case
  pnpm sim explore [--fixture NAME] [--depth K] [--crashes all|writes|none] [--ops a,b] ...
                                    breadth-first over every history of K steps from the
                                    fixture's birth, with every crash point of every step;
                                    states deduplicated, every path judged, liveness from every
                                    state (pnpm sim explore --help for its options)
  pnpm sim coverage                 run the coverage fleet and rewrite docs/COVERAGE.md
  pnpm sim report REPORT.json --html FILE
                                    render a saved JSON report as one self-contained HTML page
                                    (its failing universes are replayed for their timelines)
  pnpm sim merge A.json B.json ... --json OUT.json [--junit F] [--html F]
                                    merge shard reports (refuses if a universe's traces differ)
  pnpm sim catalog                  print the failpoint catalog
  pnpm sim oracles [--write]        run every scripted scenario with each planted defect and
                                    print the oracle x defect table (--write: into README.md)
  pnpm sim golden [--write]         check the golden trace hashes of pinned seeds
                                    (--write: regenerate test/determinism/golden.json
                                    and golden-traces.json.br)
  pnpm sim findings [--markdown] [--write] [--seeds N] [--workers N]
                                    report each known upstream finding: code path at 7fd23c54,
                                    minimal scenario and replay line, its hit at seed 1, and how
                                    often the default fleet hits it (seeds 1..N, default 1000;
                                    --markdown: as Markdown; --write: into docs/FINDINGS.md)
  pnpm sim serve --scenario NAME --seed N [--defect D] [--step K] [--port P]
  pnpm sim serve --file case.yaml --seed N [--step K] [--port P]
                                    boot the model's HTTP server on 127.0.0.1 (port P, default
                                    any free one) over the world as it stands after life step K
                                    (default: the last, before the liveness phase); prints the
                                    address, the ready and quarantined graphs and curl lines to
                                    try, and serves until Ctrl-C or SIGTERM (then exit 0; exit 1
                                    when the server refuses to boot)

run options:
  --scenario NAME     a shipped scenario (repeatable); default: all of them
  --file PATH         a scenario file (YAML or JSON) instead of a shipped scenario
  --seed N            exactly one seed (seeds run from 1 to ${MAX_SEED})
  --seeds N           how many seeds per scenario (default 50, at most ${MAX_SEEDS}), starting at
                      --from (default 1)
  --shard K/N         only this shard's share of the seed range (for CI matrices)
  --defect NAME       switch the model to a known-bad variant (repeatable): ${DEFECT_NAMES.join(", ")}
  --time-limit S      stop starting universes after S seconds
  --shrink N          shrink up to N failures (one per oracle and code) into failures/*.yaml (default 3; 0 = off)
  --workers N         run universes on N worker threads (same report for any N; at most the
                      machine's cores, since universes are CPU-bound)
  --check-determinism run every universe twice and compare trace hashes
  --guided            a coverage-guided fleet over one scenario (default: default): --seeds N
                      universes in generations of 8, fresh seeds from --from, the rest derived
                      from a corpus of universes that reached something new by mutating their
                      steps; same output for any --workers
  --corpus DIR        with --guided: resume the corpus in DIR/corpus.json and save it grown
  --json FILE         write the JSON report (as universes finish);  --junit FILE  a JUnit report
  --html FILE         write a self-contained HTML report (summary, failures with timelines,
                      failpoint coverage)
  (output paths are checked before the fleet starts; progress goes to stderr, each failure
  to stdout when found; Ctrl-C or SIGTERM stops starting universes, lets the running ones
  finish (a second signal abandons them), writes the reports so far marked 'interrupted',
  prints the summary and exits 130 or 143)

replay options:
  --scenario NAME | --file PATH, --seed N, --defect NAME   the universe, as for run
  --pin P             refuse unless the harness version and the scenario definition are still
                      those the line was printed for
  --trace             print the full trace of the universe
  --kill-at K[,K2]    replay with world-wide kills at these life-phase writes (from enumerate)
  --life-failpoint F:M  replay with failpoint F armed for the life phase in mode M (from enumerate)

exit codes: 0 no violation, 1 violations found, 2 bad input, 130/143 run stopped by
SIGINT/SIGTERM (partial reports written)
(do not put -- before the options: pnpm passes it on)`;

/**
 * The help of one command: its usage lines from HELP (with their indented explanation), and
 * its options section when HELP has one (`run options:`, `replay options:`).
 */
export function commandHelp(command: Command): string {
  if (command === "help") return HELP;
  const lines = HELP.split("\n");
  const name = command === "run" ? "pnpm sim [run]" : `pnpm sim ${command}`;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i] as string).trimStart().startsWith(name)) continue;
    out.push(lines[i] as string);
    while (i + 1 < lines.length && /^ {10,}\S/.test(lines[i + 1] as string))
      out.push(lines[++i] as string);
  }
  const from = lines.indexOf(`${command} options:`);
  if (from >= 0) {
    const to = lines.findIndex((l, i) => i > from && l === "");
    out.push("", ...lines.slice(from, to));
  }
  const codes = "exit codes: 0 no violation, 1 violations found, 2 bad input";
  const stopped = ", 130/143 stopped by SIGINT/SIGTERM (partial reports written)";
  return ["usage:", ...out, "", `${codes}${command === "run" ? stopped : ""}`].join("\n");
}
