import { beforeAll, describe, expect, it } from "vitest";
import { STYLE } from "../../sim/report/html/assets.ts";
import { renderHtmlReport } from "../../sim/report/html/render.ts";
import { type Built, buildPage, type Doc, LONG_REPLAY, parse } from "./helpers.ts";

/** The style sheet as rules: each selector of a rule mapped to its declarations. */
function rules(css: string): Array<{ selector: string; decls: Map<string, string> }> {
  const out: Array<{ selector: string; decls: Map<string, string> }> = [];
  for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const decls = new Map<string, string>();
    for (const d of (m[2] as string).split(";")) {
      const i = d.indexOf(":");
      if (i > 0) decls.set(d.slice(0, i).trim(), d.slice(i + 1).trim());
    }
    for (const selector of (m[1] as string).split(","))
      out.push({ selector: selector.trim(), decls });
  }
  return out;
}

/** Every table cell's text, to hold against the replay commands. */
function cellTexts(d: Doc): string[] {
  return [...d.querySelectorAll("td, th")].map((c) => c.textContent ?? "");
}

describe("the HTML report's replay commands: one unbroken line each, scrolling sideways", () => {
  let page: Built;
  let long: Doc;
  beforeAll(async () => {
    page = await buildPage([
      { scenario: "trap", seed: 1, defects: ["arm-before-preview"] },
      { scenario: "trap", seed: 3, defects: ["arm-before-preview"] },
    ]);
    const report = structuredClone(page.report);
    (report.universes[0] as { replay: string }).replay = LONG_REPLAY;
    long = parse(renderHtmlReport({ report, traces: page.traces }));
  });

  it("puts every replay command in a copyable pre block, in the failure list and in its timeline", () => {
    for (const [d, replays] of [
      [page.document, page.report.universes.map((u) => u.replay)],
      [long, [LONG_REPLAY, page.report.universes[1]?.replay as string]],
    ] as const) {
      const blocks = [...d.querySelectorAll(".replay")];
      // One in the failure's entry and one atop its timeline, per failing universe.
      expect(blocks.length).toBe(2 * replays.length);
      for (const b of blocks) {
        const code = b.querySelector("pre.cmd > code");
        expect(code, "a replay block holds pre.cmd > code").not.toBeNull();
        expect(replays).toContain(code?.textContent);
        expect(code?.textContent).not.toContain("\n");
        // The page's script copies the code beside the button it was clicked on.
        expect(b.querySelector("button.copy")).not.toBeNull();
      }
      const listed = [...d.querySelectorAll("li.failure pre.cmd > code")].map((c) => c.textContent);
      const atop = [...d.querySelectorAll("section.tl > .replay pre.cmd > code")].map(
        (c) => c.textContent,
      );
      expect(listed).toEqual(replays);
      expect(atop).toEqual(replays);
    }
  });

  it("never puts a replay command in a table cell, where it would wrap", () => {
    for (const d of [page.document, long]) {
      expect(d.querySelectorAll("#failures table").length).toBe(0);
      for (const text of cellTexts(d)) expect(text).not.toContain("pnpm sim replay");
    }
  });

  it("styles the block as a single line that scrolls: white-space pre, overflow-x auto, nothing that wraps it", () => {
    const all = rules(STYLE);
    const cmd = all.filter((r) => r.selector === ".replay pre.cmd");
    expect(cmd.length).toBe(1);
    expect(cmd[0]?.decls.get("white-space")).toBe("pre");
    expect(cmd[0]?.decls.get("overflow-x")).toBe("auto");
    // A flex item shrinks below its content only with min-width 0; otherwise it pushes the
    // copy button (and the page) wider instead of scrolling.
    expect(cmd[0]?.decls.get("min-width")).toBe("0");
    for (const r of all) {
      const touchesCmd = /\.replay|pre\.cmd|^code$|^pre$/.test(r.selector);
      if (!touchesCmd || r.selector === ".replay pre.cmd") continue;
      for (const p of ["white-space", "overflow-wrap", "word-break", "word-wrap"])
        expect(r.decls.has(p), `${r.selector} sets ${p}`).toBe(false);
    }
  });
});
