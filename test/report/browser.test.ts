import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../sim/report/html/render.ts";
import { buildPage, LONG_REPLAY } from "./helpers.ts";

/**
 * The report laid out by a real browser at the widths reviewers use. Needs a Chromium on PATH
 * (`apt-get install -y chromium` on Debian, or CHROMIUM=/path/to/chrome); CI installs none, so
 * there this test is skipped, saying why.
 */
function findChromium(): string | null {
  const named = process.env.CHROMIUM;
  if (named !== undefined && named !== "") return existsSync(named) ? named : null;
  for (const dir of (process.env.PATH ?? "").split(delimiter))
    for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"])
      if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

const CHROMIUM = findChromium();
const SKIPPED =
  "skipped: no chromium on PATH (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome)";
// Said out loud: a skipped describe shows only as a count in vitest's default output.
if (CHROMIUM === null) console.warn(`browser check of the HTML report ${SKIPPED}`);
const WIDTHS = [800, 1000, 1280, 1400] as const;

/**
 * Appended to a copy of the page for this test only: measures the laid-out page once it has
 * loaded and leaves the figures in the DOM, which `--dump-dom` prints.
 */
const MEASURE = `<script>
addEventListener("load", () => {
  const box = (el) => el.getBoundingClientRect();
  const out = { innerWidth, scrollWidth: document.documentElement.scrollWidth, cmds: [], failures: [], sides: [] };
  for (const pre of document.querySelectorAll(".replay pre.cmd")) {
    const code = pre.querySelector("code");
    const range = document.createRange();
    range.selectNodeContents(code);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    const cs = getComputedStyle(pre);
    out.cmds.push({
      text: code.textContent, lines, whiteSpace: cs.whiteSpace, overflowX: cs.overflowX,
      scrollWidth: pre.scrollWidth, clientWidth: pre.clientWidth, right: box(pre).right,
      button: box(pre.parentNode.querySelector("button.copy")).right,
    });
  }
  for (const li of document.querySelectorAll("li.failure")) out.failures.push(box(li).height);
  for (const d of document.querySelectorAll("li.violation .eo > div")) out.sides.push(box(d).width);
  const pre = document.createElement("pre");
  pre.id = "layout-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;

interface Layout {
  readonly innerWidth: number;
  readonly scrollWidth: number;
  readonly cmds: ReadonlyArray<{
    readonly text: string;
    readonly lines: number;
    readonly whiteSpace: string;
    readonly overflowX: string;
    readonly scrollWidth: number;
    readonly clientWidth: number;
    readonly right: number;
    readonly button: number;
  }>;
  readonly failures: readonly number[];
  readonly sides: readonly number[];
}

describe.skipIf(CHROMIUM === null)(
  `the HTML report in a real browser from 800 to 1,400 px${CHROMIUM === null ? ` (${SKIPPED})` : ""}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-browser-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    let file = "";
    let replays: string[] = [];

    beforeAll(async () => {
      const page = await buildPage([
        { scenario: "trap", seed: 1, defects: ["arm-before-preview"] },
        { scenario: "trap", seed: 3, defects: ["arm-before-preview"] },
      ]);
      const report = structuredClone(page.report);
      (report.universes[0] as { replay: string }).replay = LONG_REPLAY;
      replays = report.universes.filter((u) => u.verdict !== "pass").map((u) => u.replay);
      const html = renderHtmlReport({ report, traces: page.traces });
      file = join(dir, "report.html");
      writeFileSync(file, html.replace("</body>", `${MEASURE}</body>`));
    });

    function layoutAt(width: number): Layout {
      const r = spawnSync(
        CHROMIUM as string,
        [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          `--user-data-dir=${join(dir, `profile-${width}`)}`,
          `--window-size=${width},1600`,
          "--dump-dom",
          pathToFileURL(file).href,
        ],
        // The browser stops by itself after printing; the timeout is for a browser that hangs.
        { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" },
      );
      const m = /<pre id="layout-check">([^<]*)<\/pre>/.exec(r.stdout ?? "");
      if (!m) throw new Error(`no measurements from ${CHROMIUM} (exit ${r.status}): ${r.stderr}`);
      return JSON.parse((m[1] as string).replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
    }

    it.each(WIDTHS)(
      "at %i px: no sideways page scroll, one-line replay blocks, compact failures",
      (width) => {
        const l = layoutAt(width);
        expect(l.innerWidth).toBe(width);
        expect(l.scrollWidth, "the page itself never scrolls sideways").toBeLessThanOrEqual(width);
        // Each failing universe's command, in its failure entry and atop its timeline.
        expect(l.cmds.map((c) => c.text).sort()).toEqual([...replays, ...replays].sort());
        for (const c of l.cmds) {
          expect(c, c.text).toMatchObject({ lines: 1, whiteSpace: "pre", overflowX: "auto" });
          expect(c.right, "the block ends inside the window").toBeLessThanOrEqual(width);
          expect(c.button, "its copy button is on screen").toBeLessThanOrEqual(width);
        }
        const longest = l.cmds.filter((c) => c.text === LONG_REPLAY);
        expect(longest.length).toBe(2);
        for (const c of longest)
          expect(c.scrollWidth, "the long command scrolls inside its block").toBeGreaterThan(
            c.clientWidth,
          );
        // Was: a row some 1,500 px tall at 800 px, the replay wrapped a few characters a line.
        for (const h of l.failures) expect(h).toBeLessThan(260);
        for (const w of l.sides)
          expect(w, "expected and observed stay readable").toBeGreaterThan(300);
      },
    );
  },
);
