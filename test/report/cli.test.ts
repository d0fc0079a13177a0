import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCliArgs } from "../../sim/cli/args.ts";
import { InputError } from "../../sim/cli/InputError.ts";
import { simInProcess } from "../lib/cli.ts";
import { type Built, buildPage, parse } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "sim-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sim = simInProcess;

describe("CLI arguments for the HTML report", () => {
  it("parses `report FILE --html OUT` and `run --html OUT`", () => {
    expect(parseCliArgs(["report", "r.json", "--html", "r.html"])).toMatchObject({
      command: "report",
      input: "r.json",
      html: "r.html",
    });
    expect(parseCliArgs(["--seeds", "3", "--html", "r.html"])).toMatchObject({
      command: "run",
      html: "r.html",
    });
  });

  it("still rejects stray positionals", () => {
    expect(() => parseCliArgs(["report", "a.json", "b.json"])).toThrow(InputError);
    expect(() => parseCliArgs(["run", "extra"])).toThrow("unexpected argument 'extra'");
  });
});

describe("pnpm sim report REPORT.json --html FILE", () => {
  let page: Built;
  const good = join(dir, "good.json");
  beforeAll(async () => {
    page = await buildPage([
      { scenario: "trap-non-main-branch", seed: 1, defects: ["arm-before-preview"] },
      { scenario: "trap", seed: 1 },
    ]);
    writeFileSync(good, JSON.stringify(page.report, null, 2));
  });

  it("replays the failing universes and writes the same page as the renderer", async () => {
    const html = join(dir, "good.html");
    const r = await sim(["report", good, "--html", html]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain("1 timeline(s)");
    expect(readFileSync(html, "utf8")).toBe(page.html);
    expect(parse(page.html).querySelectorAll("section.tl").length).toBe(1);
  });

  it.each([
    ["a missing file", null, "cannot read report"],
    ["a file that is not JSON", "{ nope", "not JSON"],
    [
      "JSON that is not a report",
      JSON.stringify({ tool: "other" }),
      "not an omnigraph-sim JSON report",
    ],
  ])("refuses %s with one line and exit code 2", async (_what, text, fragment) => {
    const p = join(dir, `bad-${fragment.replace(/\W/g, "")}.json`);
    if (text !== null) writeFileSync(p, text);
    const r = await sim(["report", p, "--html", join(dir, "x.html")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(fragment);
    expect(r.err.trimEnd()).not.toContain("\n");
  });

  it("refuses a report whose replay pin no longer matches this checkout", async () => {
    const stale = structuredClone(page.report);
    for (const u of stale.universes) u.replay = u.replay.replace(/--pin \S+/, "--pin h0-stale");
    const p = join(dir, "stale.json");
    writeFileSync(p, JSON.stringify(stale));
    const r = await sim(["report", p, "--html", join(dir, "stale.html")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("refusing to replay trap-non-main-branch seed 1");
    expect(r.err).toContain("h0-stale");
  });

  it("omits (and says why) the timeline of a replay that diverged from the report", async () => {
    const drift = structuredClone(page.report);
    const u = drift.universes.find((x) => x.verdict === "fail");
    if (u) u.traceHash = "0000000000000000";
    const p = join(dir, "drift.json");
    writeFileSync(p, JSON.stringify(drift));
    const html = join(dir, "drift.html");
    const r = await sim(["report", p, "--html", html]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("diverged");
    const d = parse(readFileSync(html, "utf8"));
    expect(d.querySelectorAll("section.tl").length).toBe(0);
    expect(d.querySelector("li.failure .no-timeline")?.textContent).toContain("diverged");
  });

  it("asks for what it needs", async () => {
    expect((await sim(["report", "--html", "x.html"])).err).toContain("needs a saved JSON report");
    expect((await sim(["report", good])).err).toContain("needs --html");
  });
});

describe("pnpm sim run --html FILE", () => {
  it("writes the page next to the run's verdict", async () => {
    const html = join(dir, "run.html");
    const r = await sim([
      "--scenario",
      "trap-non-main-branch",
      "--seed",
      "1",
      "--defect",
      "arm-before-preview",
      "--shrink",
      "0",
      "--html",
      html,
    ]);
    expect(r.code).toBe(1);
    const d = parse(readFileSync(html, "utf8"));
    expect(d.querySelectorAll("li.failure").length).toBe(1);
    expect(d.querySelectorAll("section.tl#u0 .m.call").length).toBeGreaterThan(0);
  });
});
