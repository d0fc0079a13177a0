import { beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../sim/report/html/render.ts";
import { ALL_FAILPOINTS, NAMED_FAILPOINTS, STEP_LABELS } from "../../src/catalog/failpoints.ts";
import type { TraceEvent } from "../../src/world/trace.ts";
import { type Built, buildPage, type El } from "./helpers.ts";

const attr = (el: El | null | undefined, name: string) => el?.getAttribute(name) ?? null;
const indices = (events: readonly TraceEvent[], t: TraceEvent["t"]) =>
  events.flatMap((e, i) => (e.t === t ? [i] : []));

describe("HTML report of a known failing universe (trap-non-main-branch seed 1, arm-before-preview)", () => {
  let page: Built;
  beforeAll(async () => {
    page = await buildPage([
      { scenario: "trap-non-main-branch", seed: 1, defects: ["arm-before-preview"] },
    ]);
  });

  it("is one self-contained page: no external resources, one inline script", () => {
    const d = page.document;
    expect(page.html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(d.querySelectorAll("link").length).toBe(0);
    expect(d.querySelectorAll("img").length).toBe(0);
    expect(d.querySelectorAll("canvas").length).toBe(0);
    const scripts = [...d.querySelectorAll("script")];
    expect(scripts.length).toBe(1);
    expect(attr(scripts[0], "src")).toBeNull();
    expect(page.html).not.toMatch(/https?:\/\//);
    expect(page.html).not.toMatch(/@import|url\(/);
  });

  it("summarises the fleet", () => {
    const s = page.document.querySelector("#summary")?.textContent ?? "";
    expect(s).toContain("trap-non-main-branch");
    expect(s).toContain("harness version");
    expect(s).toContain("1.23 s");
    const oracles = [...page.document.querySelectorAll("#by-oracle tbody tr")].map(
      (tr) => tr.querySelector("td")?.textContent,
    );
    expect(oracles).toEqual(Object.keys(page.report.summary.violationsByOracle));
  });

  it("has one failure entry with its oracle, violation code, replay line, copy button and timeline link", () => {
    const rec = page.report.universes[0];
    expect(rec?.verdict).toBe("fail");
    const rows = page.document.querySelectorAll("li.failure");
    expect(rows.length).toBe(1);
    const row = [...rows][0] as El;
    expect(row.textContent).toContain("trap-non-main-branch");
    expect([...row.querySelectorAll(".oracle")].map((e) => e.textContent)).toContain(
      "sidecar-orphaned-by-rejection",
    );
    expect([...row.querySelectorAll(".code")].map((e) => e.textContent)).toContain(
      "sidecar_survived_pre_movement_rejection",
    );
    expect(row.querySelector(".replay code")?.textContent).toBe(rec?.replay);
    expect(rec?.replay).toMatch(
      /^pnpm sim replay --scenario trap-non-main-branch --seed 1 --defect arm-before-preview --pin h\d+-[0-9a-f]+$/,
    );
    expect(row.querySelector("button.copy")).not.toBeNull();
    const href = attr(row.querySelector('a[href^="#"]'), "href");
    expect(href).toBe("#u0");
    expect(page.document.querySelector("section.tl#u0")).not.toBeNull();
  });

  it("replays to the reported trace and draws exactly one mark per store call, in trace order", () => {
    const events = page.traces[0]?.events ?? [];
    expect(events).toEqual(page.events[0]);
    const calls = indices(events, "call");
    expect(calls.length).toBe(page.report.universes[0]?.storeCalls);
    const marks = [...page.document.querySelectorAll("#u0 .m.call")];
    expect(marks.map((m) => Number(attr(m, "data-i")))).toEqual(calls);
    // Reads, writes and conditional writes are told apart.
    const cls = (op: string) => {
      const i = events.findIndex((e) => e.t === "call" && e.op === op);
      return attr(page.document.querySelector(`#u0 .m.call[data-i="${i}"]`), "class");
    };
    expect(cls("get")).toContain("rd");
    expect(cls("put")).toContain("wr");
    expect(cls("putIfAbsent")).toContain("cw");
    // Hovering shows the key, the step label and the result.
    const w = events.findIndex((e) => e.t === "call" && e.step !== undefined);
    const e = events[w] as Extract<TraceEvent, { t: "call" }>;
    const title = attr(page.document.querySelector(`#u0 .m.call[data-i="${w}"]`), "title") ?? "";
    expect(title).toContain(e.key);
    expect(title).toContain(`[${e.step}]`);
    expect(title).toContain(`-> ${e.result}`);
  });

  it("has one band per operation, each with its full log, and the verdicts at the end", () => {
    const events = page.traces[0]?.events ?? [];
    const ops = indices(events, "op").length;
    const bands = [...page.document.querySelectorAll("#u0 li.band")];
    expect(bands.length).toBe(1 + ops + 1);
    expect(attr(bands[0], "id")).toBe("u0-birth");
    expect(attr(bands.at(-1), "id")).toBe("u0-verdicts");
    const logLines = page.document.querySelectorAll("#u0 ol.log li");
    expect(logLines.length).toBe(events.length);
    const verdicts = [...page.document.querySelectorAll("#u0-verdicts .ev.verdict")];
    expect(verdicts.length).toBe(indices(events, "verdict").length);
    expect(verdicts.length).toBeGreaterThan(0);
    // Violations link to the band of their step.
    const link = page.document.querySelector('#u0 ul.violations a[href="#u0-s2"]');
    expect(link?.textContent).toBe("step 2");
    expect(page.document.querySelector("#u0-s2")?.className).toContain("flagged");
  });

  it("shows the failpoint catalog as a coverage table with never-reached ones highlighted", () => {
    const d = page.document;
    expect(d.querySelectorAll("#coverage-steps tbody tr:has(td)").length).toBe(STEP_LABELS.length);
    const cells = [
      ...d.querySelectorAll("#coverage-named td[data-fp], #coverage-steps td[data-fp]"),
    ];
    expect(cells.length).toBe(ALL_FAILPOINTS.length);
    expect(d.querySelectorAll("#coverage-named td[data-fp]").length).toBe(NAMED_FAILPOINTS.length);
    const reached = new Map(page.report.reached);
    for (const c of cells) {
      const name = attr(c, "data-fp") as string;
      const n = reached.get(name) ?? 0;
      expect(Number(attr(c, "data-reached"))).toBe(n);
      expect(attr(c, "class")?.split(" ").includes("z")).toBe(n === 0);
    }
    const never = ALL_FAILPOINTS.filter((f) => (reached.get(f) ?? 0) === 0);
    expect(never.length).toBeGreaterThan(0);
    expect(d.querySelectorAll(".never code").length).toBe(never.length);
  });

  it("is a pure function: the same input renders the same bytes", () => {
    expect(renderHtmlReport({ report: page.report, traces: page.traces })).toBe(page.html);
  });
});

describe("a universe with a crash (create-and-approved-delete seed 1, revision-not-bumped)", () => {
  let page: Built;
  beforeAll(async () => {
    page = await buildPage([
      { scenario: "create-and-approved-delete", seed: 1, defects: ["revision-not-bumped"] },
    ]);
  });

  it("draws the death where it happened: after the failpoint, in the band of the step that died", () => {
    const events = page.traces[0]?.events ?? [];
    const deaths = indices(events, "death");
    expect(deaths.length).toBe(1);
    const at = deaths[0] as number;
    const marks = [...page.document.querySelectorAll("#u0 .ev.death")];
    expect(marks.length).toBe(1);
    const mark = marks[0] as El;
    expect(Number(attr(mark, "data-i"))).toBe(at);
    expect(mark.textContent).toContain("crash at cluster_apply.after_graph_delete");
    // The band is the step whose op precedes the death (apply#6 in the scenario file).
    const band = mark.closest("li.band");
    expect(attr(band, "id")).toBe("u0-s6");
    expect(band?.className).toContain("died");
    expect(band?.querySelector(".bt")?.textContent).toBe("#6 apply");
    const from = Number(attr(band, "data-from"));
    const to = Number(attr(band, "data-to"));
    expect(at).toBeGreaterThanOrEqual(from);
    expect(at).toBeLessThan(to);
    // Right after the failpoint hit that killed it, and before the next process starts.
    const prev = mark.previousElementSibling;
    expect(prev?.className).toContain("fp");
    expect(Number(attr(prev, "data-i"))).toBe(at - 1);
    // The minimap shows the death at the same event.
    expect(attr(page.document.querySelector("#u0 svg line.tk.death"), "data-i")).toBe(String(at));
    // Every later spawn is a restart: it comes after the death in document order.
    const spawns = [...page.document.querySelectorAll("#u0 .ev.spawn")].map((s) =>
      Number(attr(s, "data-i")),
    );
    expect(spawns).toEqual(indices(events, "spawn"));
    expect(spawns.some((i) => i > at)).toBe(true);
  });
});
