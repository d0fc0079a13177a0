import type { Report } from "../schema.ts";
import { type Html, html, raw } from "./escape.ts";

/** The failpoint catalog the coverage section is drawn against (src/catalog/failpoints.ts). */
export interface Catalog {
  /** Upstream's named failpoints, in two groups. */
  readonly named: ReadonlyArray<{ readonly group: string; readonly names: readonly string[] }>;
  /** Durable-write step labels: each has `<step>.before` and `<step>.after`. */
  readonly steps: readonly string[];
}

/** Heat level by decade: 0 is never reached (highlighted), then 1, 10, 100, 1000, 10000+. */
function level(n: number): string {
  if (n <= 0) return "z";
  if (n < 10) return "h1";
  if (n < 100) return "h2";
  if (n < 1000) return "h3";
  if (n < 10000) return "h4";
  return "h5";
}

interface Counts {
  readonly reached: ReadonlyMap<string, number>;
  /** Universes in which the failpoint fired (a non-off action), from `failpointsHit`. */
  readonly fired: ReadonlyMap<string, number>;
}

export function coverageCounts(report: Report): Counts {
  const reached = new Map<string, number>(report.reached.map(([n, c]) => [n, c]));
  const fired = new Map<string, number>();
  for (const u of report.universes)
    for (const f of u.failpointsHit) fired.set(f, (fired.get(f) ?? 0) + 1);
  return { reached, fired };
}

function cell(name: string, c: Counts): Html {
  const r = c.reached.get(name) ?? 0;
  const f = c.fired.get(name) ?? 0;
  const title = `${name}: reached ${r} time(s) across the fleet${f > 0 ? `, fired in ${f} universe(s)` : ""}${r === 0 ? " — never reached" : ""}`;
  return html`<td class="c ${level(r)}" data-fp="${name}" data-reached="${r}" data-fired="${f}" title="${title}">${r}${f > 0 ? html`<sup>⚑${f}</sup>` : ""}</td>`;
}

export function renderCoverage(report: Report, catalog: Catalog): Html {
  const c = coverageCounts(report);
  const all = [
    ...catalog.named.flatMap((g) => g.names),
    ...catalog.steps.flatMap((s) => [`${s}.before`, `${s}.after`]),
  ];
  const known = new Set(all);
  const never = all.filter((n) => (c.reached.get(n) ?? 0) === 0);
  const extra = [...new Set([...c.reached.keys(), ...c.fired.keys()])]
    .filter((n) => !known.has(n))
    .sort();
  const named = catalog.named.map(
    (g) =>
      html`<tr><th class="grp" colspan="2">${g.group}</th></tr>${g.names.map((n) => html`<tr><td class="mono">${n}</td>${cell(n, c)}</tr>`)}`,
  );
  const steps: Html[] = [];
  let group = "";
  for (const s of catalog.steps) {
    const g = s.split(".")[0] ?? "";
    if (g !== group) {
      group = g;
      steps.push(html`<tr><th class="grp" colspan="3">${g}</th></tr>`);
    }
    steps.push(
      html`<tr><td class="mono">${s}</td>${cell(`${s}.before`, c)}${cell(`${s}.after`, c)}</tr>`,
    );
  }
  const reachedCount = all.length - never.length;
  return html`<p><b>${reachedCount}</b> of <b>${all.length}</b> catalogued failpoints reached across the fleet; <b class="${never.length ? "neg" : ""}">${never.length}</b> never reached. Cells show how often a failpoint was reached; <sup class="muted">⚑N</sup> is the number of universes in which it fired.</p>
${never.length > 0 ? html`<details class="never"${never.length <= 30 ? raw(" open") : ""}><summary><b>Never reached (${never.length})</b></summary>${never.map((n) => html`<code>${n}</code>`)}</details>` : ""}
${extra.length > 0 ? html`<div class="never"><b>Reached but not in this checkout's catalog:</b> ${extra.map((n) => html`<code>${n}</code> ${c.reached.get(n) ?? 0} `)}</div>` : ""}
<div class="cols">
<table class="heat" id="coverage-named"><thead><tr><th>named failpoint</th><th class="n">reached</th></tr></thead><tbody>${named}</tbody></table>
<table class="heat" id="coverage-steps"><thead><tr><th>durable-write step</th><th class="n">.before</th><th class="n">.after</th></tr></thead><tbody>${steps}</tbody></table>
</div>`;
}
