import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { guidedFind } from "../../bench/guided.ts";
import { corpusPath, corpusText, loadCorpus } from "../../sim/guided/corpus.ts";
import { branchConflicts } from "../../sim/guided/mutate.ts";
import type { Step } from "../../sim/scenario/schema.ts";
import { ROOT, simProcess } from "../lib/cli.ts";

const DIR = mkdtempSync(join(tmpdir(), "sim-guided-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const sim = (args: readonly string[]) => simProcess(DIR, args);
const TRACE = /^ {2}trace: {2}([0-9a-f]{16})$/;

describe("pnpm sim --guided", () => {
  it("is deterministic: the same arguments print the same, on 1 worker or 2", () => {
    const args = ["--guided", "--seeds", "24", "--from", "7"];
    const a = sim(args);
    const b = sim(args);
    const c = sim([...args, "--workers", "2"]);
    expect(a.err).toMatch(/^guided: default, 24 universes in generations of 8 on 1 worker/);
    expect(a.out).toMatch(/24 universes in 3 generations \(\d+ fresh, \d+ derived\)/);
    expect(b.out).toBe(a.out);
    expect(c.out).toBe(a.out);
    expect(a.status).toBe(b.status);
  }, 120_000);

  it("prints a replay line for each failure that reproduces it, derived ones from a file", () => {
    const run = sim(["--guided", "--seeds", "40", "--defect", "arm-before-preview"]);
    expect(run.status, run.err).toBe(1);
    const lines = run.out.split("\n");
    const pairs: Array<{ line: string; hash: string }> = [];
    for (const [i, l] of lines.entries()) {
      const m = /^ {2}replay: (pnpm sim replay .*)$/.exec(l);
      const h = TRACE.exec(lines[i + 1] ?? "");
      if (m?.[1] !== undefined && h?.[1] !== undefined) pairs.push({ line: m[1], hash: h[1] });
    }
    const derived = pairs.filter((p) => p.line.includes("--file failures/guided-default-"));
    expect(derived.length, run.out).toBeGreaterThan(0);
    for (const p of pairs) {
      const r = spawnSync(
        "sh",
        ["-c", p.line.replace(/^pnpm sim /, `node ${ROOT}/sim/cli/launch.mjs `)],
        { cwd: DIR, encoding: "utf8", env: { ...process.env, CI: "1" } },
      );
      expect(r.status, `${p.line}: ${r.stderr}`).toBe(1);
      expect(r.stdout, p.line).toContain(`trace:  ${p.hash}`);
    }
    // The file carries its defect, its pin and its replay line.
    const file = /--file (\S+)/.exec(derived[0]?.line ?? "")?.[1] as string;
    const text = readFileSync(join(DIR, file), "utf8");
    expect(text).toMatch(/^# guided from e\d+ \(from default seed \d+\) > /);
    expect(text).toContain("- arm-before-preview");
  }, 180_000);

  it("saves its corpus, reads it back whole, and resumes it", () => {
    const dir = join(DIR, "corpus");
    const first = sim(["--guided", "--seeds", "16", "--corpus", dir]);
    expect(first.out).toMatch(/corpus saved: .*corpus\.json \(1 run, 16 universes\)/);
    const text = readFileSync(corpusPath(dir), "utf8");
    const c = loadCorpus(dir, "default");
    expect(corpusText(c)).toBe(text);
    expect(c.entries.length).toBeGreaterThan(0);
    const second = sim(["--guided", "--seeds", "16", "--corpus", dir]);
    expect(second.err).toContain(`entries`);
    expect(second.out).toMatch(/corpus saved: .*\(2 runs, 32 universes\)/);
    const c2 = loadCorpus(dir, "default");
    expect(c2.entries.length).toBeGreaterThanOrEqual(c.entries.length);
    expect(c2.entries.slice(0, c.entries.length)).toEqual(c.entries);
  }, 120_000);

  it("refuses a corrupt, foreign or other scenario's corpus with one line and exit 2", () => {
    const dir = join(DIR, "bad");
    mkdirSync(dir, { recursive: true });
    const good = join(DIR, "good");
    expect(sim(["--guided", "--seeds", "8", "--corpus", good]).status).not.toBe(2);
    const whole = readFileSync(corpusPath(good), "utf8");
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not JSON/],
      ['{"format": "something-else", "entries": []}', /not a guided corpus/],
      [whole.slice(0, Math.floor(whole.length / 2)), /not JSON/],
      [whole.replace('"formatVersion":1', '"formatVersion":99'), /formatVersion/],
      [whole.replace(/"harnessVersion":"[^"]*"/, '"harnessVersion":"0"'), /harness version 0/],
      [whole.replace(/"seed":\d+/, '"seed":-4'), /entries\.0\.seed/],
      [whole.replace('"op":"apply"', '"op":"explode"'), /entries\.\d+\.scenario\.steps/],
    ];
    for (const [body, why] of cases) {
      writeFileSync(corpusPath(dir), body);
      const r = sim(["--guided", "--seeds", "8", "--corpus", dir]);
      expect(r.status, body.slice(0, 80)).toBe(2);
      expect(r.err).toMatch(/^omnigraph-sim: refusing corpus .*corpus\.json: /);
      expect(r.err).toMatch(why);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.out).toBe("");
      expect(readFileSync(corpusPath(dir), "utf8")).toBe(body);
    }
    const other = sim(["--guided", "--scenario", "trap", "--seeds", "8", "--corpus", good]);
    expect(other.status).toBe(2);
    expect(other.err).toMatch(/grew from scenario 'default', not 'trap'/);
  }, 120_000);

  it("validates its options: a bad value or combination names the option, exit 2", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--corpus", "x"], /--corpus goes with --guided/],
      [["--guided", "--seed", "3"], /--guided does not take --seed/],
      [["--guided", "--seeds", "x"], /--seeds expects a whole number/],
      [["--guided", "--json", "r.json"], /--guided does not take --json/],
      [["--guided", "--scenario", "trap", "--scenario", "default"], /one --scenario/],
      [["replay", "--guided", "--scenario", "trap", "--seed", "1"], /option of run/],
      [["--guided", "--corpus="], /--corpus needs a folder/],
    ];
    for (const [argv, why] of cases) {
      const r = sim(argv);
      expect(r.status, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(why);
    }
  }, 60_000);

  // Issue 13's target for guided mode: a planted defect within 20 universes.
  it("finds planted defects within a handful of universes", async () => {
    for (const d of ["arm-before-preview", "graph-policy-not-attached"] as const) {
      const f = await guidedFind(d, 1, 20);
      expect(f.found, d).toBe(true);
      expect(f.universes, d).toBeLessThanOrEqual(20);
    }
  }, 120_000);
});

describe("derived step lists keep branch steps consistent", () => {
  const create = { op: "branch-create", graph: "knowledge", branch: "review" } as Step;
  const del = { op: "branch-delete", graph: "knowledge", branch: "review" } as Step;
  it("counts a create of a created branch and a delete of a missing one", () => {
    expect(branchConflicts([create, del, create])).toBe(0);
    expect(branchConflicts([create, create])).toBe(1);
    expect(branchConflicts([del])).toBe(1);
    // A step that may have failed leaves the branch unknown: no conflict either way.
    const crashed = { ...create, crash: { kind: "kill-at-write", k: 1 } } as Step;
    expect(branchConflicts([crashed, create])).toBe(0);
  });
});
