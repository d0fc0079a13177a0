import { CLUSTER_NAMED, ENGINE_NAMED, STEP_LABELS } from "../../../src/catalog/failpoints.ts";
import type { TraceEvent } from "../../../src/world/trace.ts";
import type { Report, UniverseRecord } from "../schema.ts";
import { SCRIPT, STYLE } from "./assets.ts";
import { type Catalog, renderCoverage } from "./coverage.ts";
import { type Html, html, join, raw } from "./escape.ts";
import { type Band, bandId, bandOfStep, bandsOf, renderTimeline } from "./timeline.ts";

/** The trace of one universe of the report (matched by scenario, seed and defects). */
export type TraceEntry = {
  readonly scenario: string;
  readonly seed: number;
  readonly defects: readonly string[];
} & (
  | { readonly events: readonly TraceEvent[]; readonly omitted?: undefined }
  /** Why there is no timeline (not replayed, replay diverged, ...): shown instead. */
  | { readonly events?: undefined; readonly omitted: string }
);

export interface HtmlReportInput {
  readonly report: Report;
  /** Traces of (usually the failing) universes; each gets a timeline. */
  readonly traces?: readonly TraceEntry[];
  /** Defaults to this checkout's failpoint catalog. */
  readonly catalog?: Catalog;
}

export const DEFAULT_CATALOG: Catalog = {
  named: [
    { group: "engine (crates/omnigraph)", names: ENGINE_NAMED },
    { group: "cluster (crates/omnigraph-cluster)", names: CLUSTER_NAMED },
  ],
  steps: STEP_LABELS,
};

export function universeKey(u: {
  readonly scenario: string;
  readonly seed: number;
  readonly defects: readonly string[];
}): string {
  return JSON.stringify([u.scenario, u.seed, [...u.defects].sort()]);
}

const idOf = (index: number) => `u${index}`;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A replay command as one unbroken line that scrolls sideways: a wrapped command is hard to
 * read and, copied by hand, easy to break.
 */
function replayBox(line: string): Html {
  return html`<div class="replay"><pre class="cmd"><code>${line}</code></pre><button type="button" class="copy" title="copy the replay command">copy</button></div>`;
}

function defectsText(d: readonly string[]): string {
  return d.length === 0 ? "none" : d.join(", ");
}

function defectsCell(d: readonly string[]): Html {
  if (d.length === 0) return html`<span class="muted">none</span>`;
  return join(
    d.map((x) => html`<span class="defect">${x}</span>`),
    ", ",
  );
}

function summarySection(report: Report): Html {
  const s = report.summary;
  const known = Object.entries(s.knownFindings);
  const knownTotal = known.reduce((a, [, n]) => a + n, 0);
  const byOracle = Object.entries(s.violationsByOracle);
  const maxOracle = Math.max(1, ...byOracle.map(([, n]) => n));
  const card = (n: number, label: string, cls = "") =>
    html`<div class="card ${cls}"><b>${n}</b><span>${label}</span></div>`;
  const seeds = s.seeds === null ? "none" : `${s.seeds.from} .. ${s.seeds.to}`;
  return html`<section id="summary"><h2>Summary</h2>
<div class="cols">
<div class="cards">${card(s.universes, "universes")}${card(s.passed, "passed", s.passed === s.universes ? "good" : "")}${card(s.failed, "failed", s.failed ? "bad" : "")}${card(s.crashed, "crashed", s.crashed ? "bad" : "")}${card(s.violations, "violations", s.violations ? "bad" : "")}${card(knownTotal, "known findings")}</div>
<dl class="facts">
<dt>scenarios</dt><dd>${s.scenarios.length}: ${s.scenarios.join(", ")}</dd>
<dt>seed range</dt><dd>${seeds}</dd>
<dt>defects</dt><dd>${defectsText(report.defects)}</dd>
<dt>harness version</dt><dd>${report.harnessVersion}</dd>
<dt>node</dt><dd>${report.nodeVersion}</dd>
<dt>elapsed</dt><dd>${seconds(s.elapsedMs)}${s.stoppedByTimeLimit ? " (stopped by the time limit)" : ""}${s.interrupted !== undefined ? ` (interrupted by ${s.interrupted}: a partial report)` : ""}</dd>
<dt>universes / s</dt><dd>${s.universesPerSecond}</dd>
</dl>
<div><h3>Violations by oracle</h3>${
    byOracle.length === 0
      ? html`<p class="muted">none</p>`
      : html`<table id="by-oracle"><thead><tr><th>oracle</th><th class="n">violations</th></tr></thead><tbody>${byOracle.map(
          ([o, n]) =>
            html`<tr><td class="mono">${o}</td><td class="n">${n}<span class="bar" style="width:${Math.max(2, Math.round((n / maxOracle) * 120))}px"></span></td></tr>`,
        )}</tbody></table>`
  }
<h3>Known upstream findings</h3>${
    known.length === 0
      ? html`<p class="muted">none reproduced</p>`
      : html`<table id="known"><thead><tr><th>finding</th><th class="n">universes</th></tr></thead><tbody>${known.map(
          ([f, n]) => html`<tr><td class="mono">${f}</td><td class="n">${n}</td></tr>`,
        )}</tbody></table>`
  }</div>
</div></section>`;
}

/** Distinct (oracle, code) pairs of a record, with how often each occurs, in first-seen order. */
function codes(r: UniverseRecord): Array<{ oracle: string; code: string; n: number }> {
  const out: Array<{ oracle: string; code: string; n: number }> = [];
  for (const v of r.violations) {
    const hit = out.find((x) => x.oracle === v.oracle && x.code === v.code);
    if (hit) hit.n++;
    else out.push({ oracle: v.oracle, code: v.code, n: 1 });
  }
  return out;
}

function failuresSection(report: Report, traces: ReadonlyMap<string, TraceEntry>): Html {
  const rows: Html[] = [];
  report.universes.forEach((r, index) => {
    if (r.verdict === "pass") return;
    const id = idOf(index);
    const t = traces.get(universeKey(r));
    const what =
      r.verdict === "crash"
        ? html`<span class="mono">harness error: ${r.error ?? "unknown"}</span>`
        : html`<ul class="vlist">${codes(r).map(
            (c) =>
              html`<li><span class="oracle mono">${c.oracle}</span> · <span class="code mono">${c.code}</span>${c.n > 1 ? html` <span class="muted">×${c.n}</span>` : ""}</li>`,
          )}</ul>`;
    const link =
      t?.events !== undefined
        ? html`<a href="#${id}">timeline</a>`
        : html`<span class="muted no-timeline">no timeline: ${t?.omitted ?? "no trace was supplied"}</span>`;
    // One block per failure, the replay command on a line of its own across the whole width:
    // as a table column it wrapped into dozens of lines below ~1,280 px.
    rows.push(
      html`<li class="failure" id="f-${id}" data-universe="${id}"><div class="who"><span class="pill ${r.verdict}">${r.verdict.toUpperCase()}</span> <span class="mono"><span class="scenario">${r.scenario}</span> · seed <span class="seed">${r.seed}</span></span>${r.defects.length > 0 ? html`<div class="defects mono">${defectsCell(r.defects)}</div>` : ""}</div><div class="what">${what}</div><div class="link">${link}</div>${replayBox(r.replay)}</li>`,
    );
  });
  const body =
    rows.length === 0
      ? html`<p>No failing universes.</p>`
      : html`<ol class="failures" id="failures-list">${rows}</ol>`;
  return html`<section id="failures"><h2>Failures (${rows.length})</h2>${body}</section>`;
}

const LEGEND = raw(`<div class="legend">
<span><i class="m rd"></i> read</span>
<span><i class="m wr"></i> write</span>
<span><i class="m cw"></i> conditional write</span>
<span><i class="m cw no"></i> declined</span>
<span><i class="m wr err"></i> store error</span>
<span><i class="m ij"></i> injected error</span>
<span><span class="ev spawn">▶ p3</span> process start</span>
<span><span class="ev death">✖ death</span></span>
<span><span class="ev fp">⚑ failpoint</span></span>
<span><span class="ev fault">ϟ fault</span></span>
<span><span class="ev turn">⇄ turn</span></span>
<span><span class="ev verdict">verdict</span></span>
<span class="hint">hover a mark for its key, step and result; click a band for its log</span>
</div>`);

/**
 * Violations grouped by (oracle, code): one block each, linking every step it was raised at,
 * with what was expected beside what was observed. Blocks, not table rows: long codes and
 * observations squeezed five columns into slivers below ~1,000 px.
 */
function violationsList(id: string, r: UniverseRecord, bands: readonly Band[]): Html {
  if (r.violations.length === 0 && r.known.length === 0) return html``;
  const where = (step: number): Html => {
    const text = step < 0 ? "liveness" : `step ${step}`;
    const b = bands[bandOfStep(bands, step)];
    return b === undefined ? html`${text}` : html`<a href="#${bandId(id, b)}">${text}</a>`;
  };
  const groups: Array<{ oracle: string; code: string; list: UniverseRecord["violations"] }> = [];
  for (const v of r.violations) {
    const g = groups.find((x) => x.oracle === v.oracle && x.code === v.code);
    if (g) g.list.push(v);
    else groups.push({ oracle: v.oracle, code: v.code, list: [v] });
  }
  const items = groups.map((g) => {
    const first = g.list[0] as UniverseRecord["violations"][number];
    const rest = g.list.slice(1);
    const more =
      rest.length === 0
        ? ""
        : html`<details class="more"><summary>${rest.length} more</summary><ul>${rest.map(
            (v) => html`<li>${where(v.step)}: expected ${v.expected}; observed ${v.observed}</li>`,
          )}</ul></details>`;
    return html`<li class="violation"><div class="vh"><span class="oracle mono">${g.oracle}</span> · <span class="code mono">${g.code}</span>${g.list.length > 1 ? html` <span class="muted">×${g.list.length}</span>` : ""} <span class="at">at ${join(
      g.list.map((v) => where(v.step)),
      ", ",
    )}</span></div><div class="eo"><div class="exp"><span class="lbl">expected</span> ${first.expected}</div><div class="obs"><span class="lbl">observed${g.list.length > 1 ? " (first)" : ""}</span> ${first.observed}${more}</div></div></li>`;
  });
  const known = r.known.map(
    (k) =>
      html`<li class="violation known"><div class="vh"><span class="oracle mono">${k.oracle}</span> · <span class="code mono">${k.code}</span> <span class="at">at ${where(k.step)}</span></div><div class="muted">known upstream finding ${k.finding}: reported, not failing</div></li>`,
  );
  return html`<ul class="violations">${items}${known}</ul>`;
}

function timelineSection(index: number, r: UniverseRecord, events: readonly TraceEvent[]): Html {
  const id = idOf(index);
  const bands = bandsOf(events, r.steps);
  const calls = events.filter((e) => e.t === "call").length;
  const facts = html`<span class="muted mono">defects: ${defectsText(r.defects)} · trace ${r.traceHash} · ${events.length} events · ${calls} store calls · ${r.deaths} death(s)${r.faultPlan !== undefined ? ` · faults: ${r.faultPlan}` : ""}</span>`;
  const body = renderTimeline(id, r, events, bands);
  return html`<section class="tl" id="${id}" data-scenario="${r.scenario}" data-seed="${r.seed}">
<header><span class="pill ${r.verdict}">${r.verdict.toUpperCase()}</span><h3>${r.scenario} · seed ${r.seed}</h3>${facts}<button type="button" class="tog">expand all</button></header>
${replayBox(r.replay)}
${r.error !== undefined ? html`<p class="mono">harness error: ${r.error}</p>` : ""}
${violationsList(id, r, bands)}
${body}
</section>`;
}

/**
 * The whole report as one self-contained HTML page: inline style and script, no network, no
 * fonts. A pure function of its input: the same report and traces give the same bytes.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { report } = input;
  const catalog = input.catalog ?? DEFAULT_CATALOG;
  const traces = new Map<string, TraceEntry>();
  for (const t of input.traces ?? []) {
    const k = universeKey(t);
    if (!traces.has(k)) traces.set(k, t);
  }
  const s = report.summary;
  const failing = s.failed + s.crashed;
  const timelines: Html[] = [];
  report.universes.forEach((r, index) => {
    const t = traces.get(universeKey(r));
    if (t?.events !== undefined) timelines.push(timelineSection(index, r, t.events));
  });
  const verdict =
    failing > 0
      ? `${failing} of ${s.universes} universes failing`
      : `all ${s.universes} universes pass`;
  const page = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="omnigraph-sim ${report.harnessVersion}">
<title>omnigraph-sim report: ${verdict}</title>
<style>${raw(STYLE)}</style></head>
<body>
<header class="top"><h1>omnigraph-sim report</h1><nav><a href="#summary">Summary</a><a href="#failures">Failures</a><a href="#timelines">Timelines</a><a href="#coverage">Coverage</a></nav><span class="verdict">${verdict}</span></header>
<main>
${summarySection(report)}
${failuresSection(report, traces)}
<section id="timelines"><h2>Timelines (${timelines.length})</h2>
${timelines.length === 0 ? html`<p class="muted">No traces in this report.</p>` : html`${LEGEND}${timelines}`}
</section>
<section id="coverage"><h2>Failpoint coverage</h2>
${renderCoverage(report, catalog)}
</section>
<footer>omnigraph-sim harness ${report.harnessVersion} · ${s.universes} universes · a self-contained page: no network, no external scripts or fonts.</footer>
</main>
<script>${raw(SCRIPT)}</script>
</body></html>
`;
  return page.text;
}
