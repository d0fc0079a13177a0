import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { type Args, parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import { main } from "../../sim/cli/main.ts";
import { parseScenarioText } from "../../sim/scenario/load.ts";
import { shippedScenarios } from "../../sim/scenario/registry.ts";
import { ROOT, simProcess } from "../lib/cli.ts";

const TMP = mkdtempSync(join(tmpdir(), "sim-arbitrary-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
/** Where every output path the generator names points; nothing else may appear in TMP. */
const OUT = join(TMP, "out");
mkdirSync(OUT);
const CASE = join(TMP, "case.yaml");
copyFileSync(join(ROOT, "scenarios/trap.yaml"), CASE);
const TRAP = readFileSync(CASE);

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/** What the CLI promises for any input: exit 0, 1 or 2, never a stack trace, bad input in one line. */
function expectContract(code: number | null, err: string, what: string) {
  expect([0, 1, 2], `${what}: exit ${code}\n${err}`).toContain(code);
  expect(err, what).not.toMatch(/\n\s+at /);
  if (code === 2) expect(err.trim(), what).toMatch(/^omnigraph-sim: [^\n]+$/);
}

async function inProcess(argv: string[]) {
  let err = "";
  const code = await main(argv, {
    out: () => {},
    err: (t) => {
      err += t;
    },
    tty: false,
  });
  return { code, err };
}

const SHIPPED = shippedScenarios().length;

/**
 * Whether an accepted argv is cheap to run in this process and writes only under TMP (this
 * process's folder is the repository): enumerate, coverage, oracles, golden, findings and serve
 * run hundreds of universes, rewrite the repository's generated files or serve until stopped,
 * and a run that can shrink writes failures/ into the working folder (the child-process runs
 * below have a working folder of their own).
 */
function runsHere(a: Args): boolean {
  // A relative output path (`--json replay`) would land in this process's folder, the repository.
  if ([a.json, a.junit, a.html].some((p) => p !== undefined && !p.startsWith(`${TMP}/`)))
    return false;
  switch (a.command) {
    case "help":
    case "catalog":
    case "replay":
    case "report":
    case "merge":
      return true;
    case "run": {
      const scenarios = a.file !== undefined ? 1 : a.scenarios.length || SHIPPED;
      const seeds = a.seed !== undefined ? 1 : (a.seeds ?? 50);
      return scenarios * seeds <= 4 && (a.shrink === 0 || a.defects.length === 0);
    }
    default:
      return false;
  }
}

const word = fc.constantFrom(
  "run",
  "replay",
  "catalog",
  "help",
  "report",
  "merge",
  "enumerate",
  "--help",
  "--seed",
  "--seeds",
  "--from",
  "--workers",
  "--file",
  "--scenario",
  "--defect",
  "--shard",
  "--pin",
  "--json",
  "--junit",
  "--html",
  "--shrink",
  "--time-limit",
  "--trace",
  "--check-determinism",
  "--kill-at",
  "--life-failpoint",
  "--",
  "-5",
  "--seeds=-1",
  "0",
  "1",
  "2",
  "1/2",
  "99999999999999999999",
  "2147483647",
  "trap",
  "mid-movement",
  "arm-before-preview",
  CASE,
  join(TMP, "nosuch.yaml"),
  join(OUT, "r.json"),
  join(OUT, "r.xml"),
  join(OUT, "r.html"),
  join(TMP, "missing", "r.json"),
  OUT,
);
/** Pairs that make a run small, so that many generated argv get past parsing and run. */
const pair = fc.constantFrom(
  ["--seed", "1"],
  ["--seeds", "2"],
  ["--scenario", "trap"],
  ["--file", CASE],
  ["--shrink", "0"],
  ["--defect", "arm-before-preview"],
  ["--json", join(OUT, "r.json")],
  ["--junit", join(OUT, "r.xml")],
  ["--html", join(OUT, "r.html")],
);
const chunks = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 2, arbitrary: word.map((w) => [w]) },
        { weight: 3, arbitrary: pair },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => [s]) },
      ),
      { maxLength },
    )
    .map((c) => c.flat());
/** Small valid commands, so that arbitrary additions before or after them often still run. */
const base = fc.constantFrom(
  ["--scenario", "trap", "--seed", "1", "--shrink", "0"],
  ["replay", "--scenario", "trap", "--seed", "1"],
  ["--file", CASE, "--seeds", "2", "--shrink", "0"],
  ["replay", "--file", CASE, "--seed", "3"],
);
const argvArb = fc.oneof(
  chunks(7),
  fc.tuple(base, chunks(3)).map(([b, c]) => [...b, ...c]),
  fc.tuple(chunks(3), base).map(([c, b]) => [...c, ...b]),
);

describe("arbitrary input never escapes as anything but exit 0, 1 or 2", () => {
  test.prop([argvArb], { numRuns: 150 })("argv, in process", async (argv) => {
    let args: Args | undefined;
    try {
      args = parseCliArgs(argv);
    } catch (e) {
      expect(e, argv.join(" ")).toBeInstanceOf(InputError);
    }
    if (args !== undefined && !runsHere(args)) return;
    const r = await inProcess(argv);
    expectContract(r.code, r.err, argv.join(" "));
    if (args === undefined) expect(r.code).toBe(2);
    const named = new Set(
      [args?.json, args?.junit, args?.html].filter((p) => p !== undefined).map((p) => p as string),
    );
    for (const f of files(TMP))
      expect(f === "case.yaml" || named.has(join(TMP, f)), `${argv.join(" ")} wrote ${f}`).toBe(
        true,
      );
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT);
  });

  /** Bytes of every kind, and the trap scenario with a run of bytes spliced in. */
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    fc
      .tuple(fc.nat(TRAP.length), fc.nat(40), fc.uint8Array({ maxLength: 40 }))
      .map(([at, cut, put]) =>
        Buffer.concat([TRAP.subarray(0, at), put, TRAP.subarray(Math.min(at + cut, TRAP.length))]),
      ),
    fc.string({ maxLength: 400 }).map((s) => Buffer.from(s)),
  );
  test.prop([bytes], { numRuns: 150 })("scenario file bytes, in process", async (b) => {
    const file = join(TMP, "bytes.yaml");
    writeFileSync(file, b);
    try {
      const r = await inProcess(["replay", "--file", file, "--seed", "1"]);
      expectContract(r.code, r.err, `bytes ${Buffer.from(b).toString("base64")}`);
    } finally {
      rmSync(file);
    }
  });

  test.prop([fc.string({ maxLength: 400 })], { numRuns: 300 })("scenario text", (text) => {
    try {
      parseScenarioText(text, "x.yaml");
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).not.toContain("\n");
    }
  });
});

describe("the CLI process: exit codes, stderr and the files it writes", () => {
  const BOMB = [
    "a: &a [x, x, x, x, x, x, x, x, x]",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
    `d: [${Array.from({ length: 200 }, () => "*c").join(", ")}]`,
  ].join("\n");
  const TWICE =
    "kind: scripted\nname: t\ndescription: x\nfixture: { graphs: [a, a] }\nsteps: [{ op: apply }]\n";

  it.each([
    [["--seeds", "-5"], 2, [], "--seeds takes no negative number (got '-5')"],
    [["--bogus"], 2, [], "unknown option '--bogus' (see pnpm sim --help)"],
    [["--seeds", "9999999999"], 2, [], "--seeds must be at most 1000000"],
    [["--seed", "0"], 2, [], "--seed must be at least 1"],
    [["--workers", "999"], 2, [], "more than this machine's"],
    [["--file", "bomb.yaml", "--seed", "1"], 2, [], "bomb.yaml: YAML aliases expand past"],
    [["--file", "twice.yaml", "--seed", "1"], 2, [], "fixture.graphs: each graph id at most once"],
    [["--scenario", "trap", "--seed", "1", "--json", "r.json"], 0, ["r.json"], ""],
    [
      ["--scenario", "trap", "--seed", "1", "--defect", "arm-before-preview", "--shrink", "0"],
      1,
      [],
      "",
    ],
    [["replay", "--file", "case.yaml", "--seed", "1", "--defect", "arm-before-preview"], 1, [], ""],
  ] as const)("%j exits %i", (argv, status, outputs, message) => {
    const cwd = mkdtempSync(join(TMP, "proc-"));
    const inputs = { "bomb.yaml": BOMB, "twice.yaml": TWICE, "case.yaml": TRAP };
    for (const [name, text] of Object.entries(inputs)) writeFileSync(join(cwd, name), text);
    const r = simProcess(cwd, argv);
    expectContract(r.status, r.err, argv.join(" "));
    expect(r.status, r.err).toBe(status);
    if (status === 2) expect(r.err).toContain(message);
    expect(files(cwd)).toEqual([...Object.keys(inputs), ...outputs].sort());
  });
});
