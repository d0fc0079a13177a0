import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FINDINGS_DOC } from "../../sim/cli/findings.ts";
import { formatFindingsText, renderFindingsMarkdown } from "../../sim/findings/format.ts";
import { KNOWN_FINDINGS } from "../../sim/findings/index.ts";
import {
  buildFindingsReport,
  FINDING_SEED,
  type FindingReport,
  type FindingsReport,
  reproductionProblems,
} from "../../sim/findings/report.ts";
import { shippedScenarios } from "../../sim/scenario/registry.ts";
import { simInProcess } from "../lib/cli.ts";

const sim = simInProcess;

describe("the findings report (pnpm sim findings)", async () => {
  // The documented fleet, in full: the committed document is compared with exactly this.
  const report = await buildFindingsReport();

  it.each(KNOWN_FINDINGS.map((f) => [f.id]))(
    `%s: its scenario at seed ${FINDING_SEED} shows a known hit of it and nothing failing`,
    (id) => {
      const f = report.findings.find((x) => x.finding.id === id) as FindingReport;
      expect(reproductionProblems(f)).toEqual([]);
      expect("hits" in f.scenario && f.scenario.hits.length).toBeGreaterThan(0);
    },
  );

  it("docs/FINDINGS.md is committed as generated (run `pnpm sim findings --write`)", () => {
    expect(readFileSync(FINDINGS_DOC, "utf8")).toBe(renderFindingsMarkdown(report));
  });

  it("names only well-formed upstream code paths, and shipped scripted scenarios", () => {
    const shipped = new Map(shippedScenarios().map((s) => [s.name, s.kind]));
    const rustFile = /^crates\/[a-z0-9_-]+\/(src|tests)\/([a-z0-9_]+\/)*[a-z0-9_]+\.rs$/;
    const rustFn = /^[a-z_][a-z0-9_]*$/;
    for (const f of KNOWN_FINDINGS) {
      expect(f.id, "ids read F<n>-words").toMatch(/^F\d+-[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const c of f.codePath) {
        expect(c.file, f.id).toMatch(rustFile);
        expect(c.function, `${f.id} ${c.file}`).toMatch(rustFn);
        expect(c.role.trim(), `${f.id} ${c.function}`).not.toBe("");
      }
      const sites = f.codePath.map((c) => `${c.file} ${c.function}`);
      expect(new Set(sites).size, `${f.id} names a function twice`).toBe(sites.length);
      for (const s of f.spec) expect(s, f.id).toMatch(/^(§\d+(\.\d+)*|appendix [A-Z](\.\d+)*)$/);
      expect(shipped.get(f.scenario), `${f.id}: scenario ${f.scenario}`).toBe("scripted");
      if (f.laterUpstream !== null) {
        expect(f.laterUpstream.commit).toMatch(/^[0-9a-f]{7,40}$/);
        expect(f.laterUpstream.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
    const ids = KNOWN_FINDINGS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("findings report formatting", () => {
  const finding = KNOWN_FINDINGS[0] as (typeof KNOWN_FINDINGS)[number];
  const { matches: _, ...data } = finding;
  const lost: FindingReport = {
    finding: data,
    scenario: {
      name: "some-scenario",
      steps: [{ op: "boot" }],
      replay: "pnpm sim replay --scenario some-scenario --seed 1 --pin h0-x",
      hits: [],
      violations: [{ oracle: "serve-liveness", code: "boot_never_succeeds", step: -1 }],
      error: null,
    },
    fleet: {
      universes: 3,
      firstSeed: 7,
      firstReplay: "pnpm sim replay --scenario default --seed 7",
    },
  };
  const report: FindingsReport = {
    fleet: { scenario: "default", from: 1, count: 40 },
    findings: [lost],
  };

  it("flags a scenario that no longer shows its finding, or fails beside it", () => {
    expect(reproductionProblems(lost)).toEqual([
      `seed 1 shows no known hit of ${finding.id}`,
      "also failing: [serve-liveness] boot_never_succeeds at the liveness phase",
    ]);
    expect(
      reproductionProblems({ ...lost, scenario: { name: "gone", unusable: "not shipped" } }),
    ).toEqual(["scenario 'gone' cannot run: not shipped"]);
    const text = formatFindingsText(report).join("\n");
    expect(text).toContain("NOT REPRODUCED CLEANLY: also failing: [serve-liveness]");
    expect(renderFindingsMarkdown(report)).toContain("**NOT REPRODUCED CLEANLY: seed 1 shows");
  });

  it("scales fleet hits to 1,000 universes and names the first seed", () => {
    const text = formatFindingsText(report).join("\n");
    expect(text).toContain("hit in 3 of 40 universes (default, seeds 1..40): 75 per 1,000");
    expect(text).toContain("first at seed 7");
    const none = { ...lost, fleet: { universes: 0, firstSeed: null, firstReplay: null } };
    expect(formatFindingsText({ ...report, findings: [none] }).join("\n")).toContain(
      "not hit in 40 universes",
    );
  });
});

describe("pnpm sim findings: arguments", () => {
  it("--help prints the usage, which lists the command", async () => {
    const r = await sim(["findings", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain("pnpm sim findings [--markdown] [--write]");
  });

  it.each([
    [["findings", "--bogus"], "unknown option '--bogus'"],
    [["findings", "--seeds", "0"], "--seeds must be at least 1"],
    [["findings", "--write", "--seeds", "5"], "findings --write always runs the documented"],
  ])("rejects %j with one line and exit code 2", async (argv, fragment) => {
    const r = await sim(argv);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toContain(fragment);
    expect(r.err.trimEnd()).not.toContain("\n");
  });
});
