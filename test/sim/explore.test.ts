import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../sim/cli/main.ts";
import { type ExploreConfig, explore } from "../../sim/explore/explore.ts";
import { mergeExplorations, toReport } from "../../sim/explore/report.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import type { OpName } from "../../sim/ops/index.ts";
import { allOracles } from "../../sim/oracles/index.ts";
import { findScenario, shippedScenarios } from "../../sim/scenario/registry.ts";
import { BirthCache } from "../../sim/universe/birth.ts";
import { modelOracleDeps, modelSystem } from "../../sim/universe/modelSystem.ts";

const def = findScenario("default", shippedScenarios());
const config = (over: Partial<ExploreConfig>): ExploreConfig => ({
  fixtureName: def.name,
  fixture: def.fixture,
  serve: def.serve,
  depth: 2,
  crashes: "all",
  ops: ["edit-schema", "apply"] as OpName[],
  hostile: false,
  seed: 1,
  defects: [],
  liveness: true,
  ...over,
});
const births = new BirthCache();
const opts = () => ({
  system: modelSystem(),
  oracles: allOracles(modelOracleDeps),
  findings: KNOWN_FINDINGS,
  births,
});
const levels = (e: { levels: readonly { transitions: number; newStates: number }[] }) =>
  e.levels.map((l) => [l.transitions, l.newStates]);

describe("pnpm sim explore", () => {
  it("explores edit-schema and apply to depth 2 with every crash point: the golden counts", async () => {
    const e = await explore(config({}), opts());
    // [transitions, new states] per depth: birth, then 9 steps and their 12 crash points, then
    // each of the 8 new states' 9 steps with every crash point those reach.
    expect(levels(e)).toEqual([
      [0, 1],
      [21, 8],
      [571, 141],
    ]);
    expect(e.statesBefore + e.finalStates.length).toBe(150);
    expect(e.truncated).toBeNull();
    // The fixed model breaks no rule here; what it does break is known and matched as known.
    expect(e.violations).toEqual([]);
    expect([...new Set(e.known.map((k) => k.finding))].sort()).toEqual([
      "F1-partial-staging-promotion",
      "F11-rolled-back-dataset-blocks-retry",
      "F4-metadata-only-staging-ambiguity",
    ]);
    // Breadth-first: each is reported with a shortest history.
    for (const k of e.known) expect(k.path.length).toBe(k.depth);
  });

  it("is deterministic, and shards of the last level merge into the unsharded run", async () => {
    const c = config({ liveness: false });
    const whole = toReport(await explore(c, opts()));
    const again = toReport(await explore(c, opts()));
    expect(JSON.stringify(again)).toBe(JSON.stringify(whole));
    const shards = [];
    for (const index of [1, 2, 3])
      shards.push(toReport(await explore(c, { ...opts(), shard: { index, count: 3 } })));
    // Each shard expands a third of the last level's parents.
    expect(shards.map((s) => s.levels[2]?.parents)).toEqual([3, 3, 2]);
    expect(JSON.stringify(mergeExplorations(shards))).toBe(JSON.stringify(whole));
  });

  it("finds a planted defect that needs a crash point at depth 2, with its shortest history", async () => {
    const e = await explore(
      config({ defects: ["swallow-state-write-error"], liveness: false }),
      opts(),
    );
    const v = e.violations.find((x) => x.oracle === "acknowledged-means-durable");
    expect(v?.depth).toBe(2);
    expect(v?.path).toEqual([
      { op: "edit-schema", graph: "archive", change: "add-optional" },
      {
        op: "apply",
        crash: { kind: "failpoint", name: "cluster.state.write.before", mode: "error", skip: 0 },
      },
    ]);
  });

  it("finds arm-before-preview at depth 1 (the liveness phase shows the crash loop)", async () => {
    const e = await explore(
      config({ depth: 1, crashes: "none", defects: ["arm-before-preview"] }),
      opts(),
    );
    expect(e.violations.map((v) => `${v.oracle}/${v.code}@${v.depth}`)).toContain(
      "sidecar-orphaned-by-rejection/sidecar_survived_pre_movement_rejection@1",
    );
    expect(e.violations.map((v) => v.oracle)).toContain("serve-liveness");
  });

  it("runs from the CLI: a report, a JSON file, and a merge of shard files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "explore-"));
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, {
        out: (l) => out.push(l),
        err: (t) => err.push(t),
        tty: false,
      });
      return { code, out, err: err.join("") };
    };
    const base = ["explore", "--depth", "1", "--ops", "apply,boot", "--no-liveness"];
    const whole = await run([...base, "--json", join(dir, "all.json")]);
    expect(whole.code, whole.err).toBe(0);
    expect(whole.out).toEqual([
      "explore default: graphs [knowledge, archive], depth 1, crashes all, 2 ops, seed 1",
      "depth  parents  steps  transitions  new states",
      "    0        0      0            0           1",
      "    1        1      2           18           1",
      "2 states over 18 transitions (94.4% reached a known state), depth 1 reached",
      "liveness: not checked (--no-liveness)",
      "no violation",
    ]);
    for (const k of [1, 2]) {
      const r = await run([...base, "--shard", `${k}/2`, "--json", join(dir, `s${k}.json`)]);
      expect(r.code, r.err).toBe(0);
    }
    const merged = await run([
      "explore",
      "--merge",
      join(dir, "s1.json"),
      join(dir, "s2.json"),
      "--json",
      join(dir, "merged.json"),
    ]);
    expect(merged.code, merged.err).toBe(0);
    expect(merged.out).toEqual(whole.out);
    const strip = (t: string) => {
      const { timing: _t, ...rest } = JSON.parse(t);
      return rest;
    };
    expect(strip(readFileSync(join(dir, "merged.json"), "utf8"))).toEqual(
      strip(readFileSync(join(dir, "all.json"), "utf8")),
    );
    // A foreign file is refused with one line, not half-read.
    writeFileSync(join(dir, "foreign.json"), '{"kind":"something-else"}');
    const foreign = await run(["explore", "--merge", join(dir, "foreign.json")]);
    expect(foreign.code).toBe(2);
    expect(foreign.err.trim().split("\n")).toHaveLength(1);
  });

  it("refuses bad input with one line and exit 2", async () => {
    for (const argv of [
      ["explore", "--depth", "0"],
      ["explore", "--depth", "x"],
      ["explore", "--depth", "99"],
      ["explore", "--crashes", "some"],
      ["explore", "--ops", "apply,teleport"],
      ["explore", "--fixture", "no-such-scenario"],
      ["explore", "--shard", "3/2"],
      ["explore", "--max-states", "-1"],
      ["explore", "--time-limit", "soon"],
      ["explore", "--defect", "no-such-defect"],
      ["explore", "--frobnicate"],
      ["explore", "stray"],
      ["explore", "--merge"],
      ["explore", "--merge", "a.json", "--depth", "2"],
    ]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, {
        out: (l) => out.push(l),
        err: (t) => err.push(t),
        tty: false,
      });
      expect(code, argv.join(" ")).toBe(2);
      expect(out).toEqual([]);
      expect(err.join("").trim().split("\n"), argv.join(" ")).toHaveLength(1);
      expect(err.join("")).toMatch(/^omnigraph-sim: /);
    }
  });
});
