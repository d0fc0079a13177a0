import { describe, expect, it } from "vitest";
import { esc } from "../../sim/report/html/escape.ts";
import { renderHtmlReport } from "../../sim/report/html/render.ts";
import { tinyReport, tinyTraces } from "./fixtures.ts";
import { parse } from "./helpers.ts";

const EVIL = `<script>alert(1)</script>"' onmouseover="alert(2)`;

describe("escaping", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });

  it("renders text from the report and the trace inert, in content and in attributes", () => {
    const html = renderHtmlReport({ report: tinyReport(EVIL), traces: tinyTraces(EVIL) });
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain('"alert(2)');
    const d = parse(html);
    // Only the page's own inline script, and no handler attribute smuggled in anywhere.
    expect(d.querySelectorAll("script").length).toBe(1);
    expect(d.querySelector("script")?.textContent).not.toContain("alert");
    for (const el of d.querySelectorAll("*"))
      for (const a of el.attributes) expect(a.name.startsWith("on")).toBe(false);
    // The text survives as text: in a mark's tooltip, in the log, in the failure row.
    const key = `graphs/${EVIL}.omni/_schema.pg`;
    const mark = [...d.querySelectorAll("#u0 .m.call")].find((m) =>
      (m.getAttribute("title") ?? "").includes(key),
    );
    expect(mark).toBeDefined();
    expect(
      [...d.querySelectorAll("#u0 ol.log li")].some((li) => li.textContent?.includes(key)),
    ).toBe(true);
    expect(d.querySelector("li.failure .replay code")?.textContent).toContain(EVIL);
    expect([...d.querySelectorAll("li.failure .code")].map((c) => c.textContent)).toContain(
      `ready_mismatch ${EVIL}`,
    );
    expect([...d.querySelectorAll(".never")].some((n) => n.textContent?.includes(EVIL))).toBe(true);
  });
});

describe("golden page", () => {
  it("renders the tiny pinned universe exactly as committed", async () => {
    const html = renderHtmlReport({ report: tinyReport(), traces: tinyTraces() });
    await expect(html).toMatchFileSnapshot("./__snapshots__/tiny.html");
  });

  it("draws every kind of event of the tiny universe", () => {
    const d = parse(renderHtmlReport({ report: tinyReport(), traces: tinyTraces() }));
    const count = (sel: string) => d.querySelectorAll(`#u0 ${sel}`).length;
    expect(count(".m.call")).toBe(12);
    expect(count(".m.call.rd")).toBe(5);
    expect(count(".m.call.wr")).toBe(2);
    expect(count(".m.call.cw")).toBe(4);
    expect(count(".m.call.ij")).toBe(1);
    expect(count(".m.call.no")).toBe(2);
    expect(count(".m.call.err")).toBe(2);
    expect(count(".ev.spawn")).toBe(3);
    expect(count(".ev.death")).toBe(1);
    expect(count(".ev.fp")).toBe(1);
    expect(count(".ev.fault")).toBe(1);
    expect(count(".ev.turn")).toBe(2);
    expect(count(".ev.note")).toBe(1);
    expect(count(".ev.verdict")).toBe(2);
    // The turn hands the store to another process: its calls are labelled with its pid.
    expect([...d.querySelectorAll("#u0-s0 .pid")].map((p) => p.textContent)).toEqual(["p3", "p2"]);
    // Only universes with a trace get a timeline; the passing one has none.
    expect(d.querySelectorAll("section.tl").length).toBe(1);
    expect(d.querySelectorAll("li.failure").length).toBe(1);
  });
});
