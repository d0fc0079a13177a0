import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildReport, reportHead, runFleet, streamFleet } from "../../sim/orchestrator/fleet.ts";
import { Interrupt } from "../../sim/orchestrator/interrupt.ts";
import { jobPlan, seedRange } from "../../sim/orchestrator/jobs.ts";
import type { Reporter } from "../../sim/orchestrator/reporter.ts";
import { type Report, ReportSchema, type UniverseRecord } from "../../sim/report/schema.ts";
import { JsonReporter, jsonPieces, type TextOut } from "../../sim/reporters/json.ts";
import { JunitReporter, type Spool, toJunit } from "../../sim/reporters/junit.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { ROOT, simInProcess } from "../lib/cli.ts";

const DIR = mkdtempSync(join(tmpdir(), "sim-streaming-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** A TextOut and a Spool in memory. */
function memoryOut(): TextOut & { text: () => string } {
  const parts: Buffer[] = [];
  return {
    write: (p) => parts.push(typeof p === "string" ? Buffer.from(p) : Buffer.from(p)),
    finish: () => {},
    text: () => Buffer.concat(parts).toString("utf8"),
  };
}
function memorySpool(): Spool {
  let buf = Buffer.alloc(0);
  return {
    append: (t) => {
      buf = Buffer.concat([buf, Buffer.from(t)]);
    },
    read: (start, end, chunk) => {
      // Small chunks, so a byte range is cut inside multi-byte characters too.
      for (let at = start; at < end; at += 7) chunk(buf.subarray(at, Math.min(at + 7, end)));
    },
    dispose: () => {},
  };
}

const scenarios = shippedScenarios();
const trap = findScenario("trap", scenarios);
const mid = findScenario("mid-movement-keeps-sidecar", scenarios);

/** Fields that measure wall time: the only lines allowed to differ between runs. */
const untimed = (text: string) =>
  text.replace(/"(elapsedMs|universesPerSecond)": [\d.]+/g, '"$1": 0');

describe("streamed reports", () => {
  it("the JSON and JUnit written universe by universe are byte for byte the whole report's", async () => {
    const json = memoryOut();
    const junit = memoryOut();
    const defects = ["arm-before-preview"] as const;
    const report = await runFleet({
      jobs: jobPlan([trap, mid], seedRange(1, 4), defects),
      workers: 1,
      checkDeterminism: false,
      defects,
      reporters: [
        new JsonReporter(json, reportHead(defects)),
        new JunitReporter(junit, memorySpool()),
      ],
    });
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(report.universes).toHaveLength(8);
    // What the CLI wrote before it streamed: the whole report, stringified at the end.
    expect(json.text()).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(ReportSchema.parse(JSON.parse(json.text()))).toEqual(report);
    expect(junit.text()).toBe(toJunit(report));
  });

  it("the pieces of an empty report, and of one with non-ASCII text, join as JSON.stringify", () => {
    const empty = buildReport([], new Map(), [], 0, false);
    const out = memoryOut();
    const r = new JsonReporter(out, reportHead([]));
    r.onStart();
    r.onEnd(empty);
    expect(out.text()).toBe(`${JSON.stringify(empty, null, 2)}\n`);
    const rec = {
      scenario: "é",
      seed: 1,
      defects: ["x", "y"],
      verdict: "crash",
      traceHash: "0",
      violations: [],
      known: [],
      failpointsHit: [],
      steps: 0,
      deaths: 0,
      storeCalls: 0,
      replay: "pnpm sim replay 'a\nb'",
      error: "über \u0001 <&>",
    } satisfies UniverseRecord;
    const one = buildReport([rec, { ...rec, seed: 2 }], new Map([["a", 1]]), ["y", "x"], 5, true);
    const text = [
      jsonPieces.head(reportHead(["y", "x"])),
      jsonPieces.record(rec, 0),
      jsonPieces.record({ ...rec, seed: 2 }, 1),
      jsonPieces.tail(one, 2),
    ].join("");
    expect(text).toBe(`${JSON.stringify(one, null, 2)}\n`);
    const junit = memoryOut();
    const j = new JunitReporter(junit, memorySpool());
    j.onUniverse(rec);
    j.onUniverse({ ...rec, seed: 2 });
    j.onEnd(one);
    expect(junit.text()).toBe(toJunit(one));
  });

  it("a run's --json from the CLI is the same bytes for 1 and 2 workers, timings aside", async () => {
    const run = async (workers: number) => {
      const path = join(DIR, `w${workers}.json`);
      const r = await simInProcess([
        ...["--scenario", "trap", "--scenario", "mid-movement-keeps-sidecar", "--seeds", "6"],
        ...["--defect", "arm-before-preview", "--shrink", "0", "--workers", String(workers)],
        ...["--json", path],
      ]);
      expect(r.code, r.err).toBe(1);
      return { text: untimed(readFileSync(path, "utf8")), out: r.out };
    };
    const one = await run(1);
    const two = await run(2);
    expect(two.text).toBe(one.text);
    const untimedOut = (lines: string[]) =>
      lines.map((l) => l.replace(/ in [\d.]+ s \([\d.]+ universes\/s\)/, ""));
    expect(untimedOut(two.out)).toEqual(untimedOut(one.out));
  });

  it("jobs are planned lazily: a million seeds of every scenario cost nothing up front", () => {
    const plan = jobPlan(scenarios, seedRange(1, 1_000_000), []);
    expect(plan.total).toBe(scenarios.length * 1_000_000);
    const it = plan[Symbol.iterator]();
    const first = it.next().value;
    expect(first?.seed).toBe(1);
    expect(seedRange(10, 20, { index: 3, count: 3 }).count).toBe(
      [...seedRange(10, 20, { index: 3, count: 3 })].length,
    );
    for (const [count, k, n] of [
      [0, 1, 1],
      [1, 2, 2],
      [5, 5, 5],
      [7, 2, 3],
    ] as const)
      expect(seedRange(1, count, { index: k, count: n }).count).toBe(
        [...seedRange(1, count, { index: k, count: n })].length,
      );
  });
});

describe("an interrupted fleet", () => {
  /** Requests a stop when the n-th universe is reported. */
  const stopAt = (interrupt: Interrupt, n: number): Reporter => ({
    onStart() {},
    onUniverse(_r, done) {
      if (done === n) interrupt.request("SIGINT");
    },
    onEnd() {},
  });

  for (const workers of [1, 2])
    it(`reports the universes that finished, in job order, marked interrupted (${workers} worker(s))`, async () => {
      const interrupt = new Interrupt();
      const json = memoryOut();
      const end = await streamFleet({
        jobs: jobPlan([findScenario("default", scenarios)], seedRange(1, 1000), []),
        workers,
        checkDeterminism: false,
        defects: [],
        interrupt,
        reporters: [stopAt(interrupt, 5), new JsonReporter(json, reportHead([]))],
      });
      expect(end.summary.interrupted).toBe("SIGINT");
      const report = ReportSchema.parse(JSON.parse(json.text())) as Report;
      expect(report.summary.interrupted).toBe("SIGINT");
      // One thread stops at once; a pool finishes the few universes already sent.
      if (workers === 1) expect(report.universes).toHaveLength(5);
      expect(report.universes.length).toBeLessThan(50);
      expect(report.universes.map((u) => u.seed)).toEqual(report.universes.map((_, i) => i + 1));
    });
});

describe("a second signal", () => {
  it("abandons the running universes: the report holds those that finished, in job order", async () => {
    const interrupt = new Interrupt();
    const json = memoryOut();
    const twice: Reporter = {
      onStart() {},
      onUniverse(_r, done) {
        if (done === 3) {
          expect(interrupt.request("SIGTERM")).toBe("stop");
          expect(interrupt.request("SIGTERM")).toBe("abandon");
        }
      },
      onEnd() {},
    };
    const end = await streamFleet({
      jobs: jobPlan([findScenario("default", scenarios)], seedRange(1, 1000), []),
      workers: 2,
      checkDeterminism: false,
      defects: [],
      interrupt,
      reporters: [twice, new JsonReporter(json, reportHead([]))],
    });
    expect(end.summary.interrupted).toBe("SIGTERM");
    const report = ReportSchema.parse(JSON.parse(json.text()));
    const seeds = report.universes.map((u) => u.seed);
    expect(seeds.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seeds).toEqual([...seeds].sort((a, b) => a - b));
    expect(seeds.length).toBeLessThan(50);
    expect(report.summary.universes).toBe(seeds.length);
  });
});

/** A real CLI process (the bundle `pnpm sim` runs), watched as it runs. */
function cliProcess(args: readonly string[]) {
  const child = spawn("node", [join(ROOT, "sim/cli/launch.mjs"), ...args], {
    cwd: DIR,
    env: { ...process.env, CI: "1" },
  });
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  const poke = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on("data", (d) => {
    out += String(d);
    poke();
  });
  child.stderr.on("data", (d) => {
    err += String(d);
    poke();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    /** Resolves when `pred` holds of (stdout, stderr). */
    until: (pred: (out: string, err: string) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pred(out, err)) resolve();
          else if (child.exitCode !== null) reject(new Error(`exited first: ${err}`));
          else waiters.push(check);
        };
        check();
      }),
  };
}

describe("the CLI stopped by a signal", () => {
  it("SIGINT mid-run: a valid partial JSON and JUnit report marked interrupted, the summary, exit 130", async () => {
    const json = join(DIR, "int.json");
    const xml = join(DIR, "int.xml");
    const p = cliProcess([
      "--scenario",
      "default",
      "--seeds",
      "100000",
      "--json",
      json,
      "--junit",
      xml,
    ]);
    // The first progress line comes after the first universe; let a few more finish.
    await p.until((_o, e) => e.includes("progress 1/100000"));
    await new Promise((r) => setTimeout(r, 500));
    p.child.kill("SIGINT");
    const { code, signal } = await p.exited;
    expect({ code, signal }, p.err()).toEqual({ code: 130, signal: null });
    const report = ReportSchema.parse(JSON.parse(readFileSync(json, "utf8")));
    expect(report.summary.interrupted).toBe("SIGINT");
    const n = report.universes.length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(100000);
    expect(report.summary.universes).toBe(n);
    expect(report.universes.map((u) => u.seed)).toEqual(report.universes.map((_, i) => i + 1));
    const junit = readFileSync(xml, "utf8");
    expect(junit).toContain(`tests="${n}"`);
    expect(junit).toContain('interrupted="SIGINT"');
    expect(junit.trimEnd().endsWith("</testsuites>")).toBe(true);
    expect(p.err()).toContain("omnigraph-sim: SIGINT: starting no more universes");
    expect(p.out()).toContain(`${n} universes over 1 scenario(s), seeds 1..${n}:`);
    expect(p.out()).toContain("interrupted by SIGINT");
  }, 60_000);

  it("failures print as they are found; SIGTERM then stops a 2-worker fleet with exit 143", async () => {
    const json = join(DIR, "term.json");
    const p = cliProcess([
      ...["--scenario", "trap", "--seeds", "100000", "--defect", "arm-before-preview"],
      ...["--workers", "2", "--json", json],
    ]);
    // trap seed 1 fails at once with the planted defect: its FAIL block and replay line are
    // on stdout while the fleet still runs.
    await p.until((o) => o.includes("  replay: pnpm sim replay --scenario trap --seed 1 "));
    expect(p.child.exitCode).toBeNull();
    expect(p.out()).toMatch(/^FAIL trap seed 1 \(defects: arm-before-preview\)/);
    expect(p.out()).not.toContain("universes over");
    p.child.kill("SIGTERM");
    const { code } = await p.exited;
    expect(code, p.err()).toBe(143);
    const report = ReportSchema.parse(JSON.parse(readFileSync(json, "utf8")));
    expect(report.summary.interrupted).toBe("SIGTERM");
    expect(report.summary.failed).toBeGreaterThan(0);
    expect(report.universes.map((u) => u.seed)).toEqual(report.universes.map((_, i) => i + 1));
    expect(p.out()).toContain("interrupted by SIGTERM");
    // No shrinking after an interrupt: the reports and the summary, then the exit.
    expect(p.out()).not.toContain("shrunk ");
  }, 60_000);
});
