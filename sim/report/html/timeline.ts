import { formatEvent, type TraceEvent } from "../../../src/world/trace.ts";
import type { UniverseRecord } from "../schema.ts";
import { type Html, html, join, type Piece } from "./escape.ts";

/** How a store call touches storage: the timeline draws each kind differently. */
export type CallKind = "read" | "write" | "cond" | "injected";

export function callKind(op: string): CallKind {
  switch (op) {
    case "get":
    case "exists":
    case "list":
      return "read";
    case "putIfAbsent":
    case "putIfMatch":
      return "cond";
    // A failpoint in error mode at `<step>.before` / `.after`: recorded as a pseudo-call.
    case "refuse":
    case "ackloss":
      return "injected";
    default:
      return "write";
  }
}

const KIND_CLASS: Readonly<Record<CallKind, string>> = {
  read: "rd",
  write: "wr",
  cond: "cw",
  injected: "ij",
};

/** A call whose result is an error, or a conditional write that was declined. */
function outcomeClass(e: Extract<TraceEvent, { t: "call" }>): string {
  if (e.result.startsWith("error:")) return " err";
  if (e.op === "putIfAbsent" && e.result === "false") return " no";
  if (e.op === "putIfMatch" && e.result === "mismatch") return " no";
  return "";
}

export type BandKind = "birth" | "life" | "liveness" | "judgment";

/** A stretch of the trace: birth, one operation (from its `op` event), or the verdicts. */
export interface Band {
  readonly kind: BandKind;
  /** The step index (record index) for operation bands, else -1. */
  readonly step: number;
  readonly title: string;
  readonly detail: string;
  readonly outcome: string;
  /** Event indices [from, to). */
  readonly from: number;
  readonly to: number;
  readonly calls: { read: number; write: number; cond: number; injected: number };
  readonly deaths: number;
  readonly fps: number;
  readonly faults: number;
}

/**
 * Splits a trace into bands: everything before the first `op` is birth; each `op` event opens
 * a band (step k is the k-th op, as in the universe's records; steps at or past `lifeSteps`
 * are the liveness phase); the first `verdict` opens the judgment band.
 */
export function bandsOf(events: readonly TraceEvent[], lifeSteps: number): Band[] {
  const starts: Array<{ at: number; kind: BandKind; step: number }> = [
    { at: 0, kind: "birth", step: -1 },
  ];
  let step = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as TraceEvent;
    if (e.t === "op") {
      starts.push({ at: i, kind: step < lifeSteps ? "life" : "liveness", step });
      step++;
    } else if (e.t === "verdict") {
      starts.push({ at: i, kind: "judgment", step: -1 });
      break;
    }
  }
  const bands: Band[] = [];
  for (let b = 0; b < starts.length; b++) {
    const s = starts[b] as (typeof starts)[number];
    const to = b + 1 < starts.length ? (starts[b + 1]?.at ?? events.length) : events.length;
    if (s.kind === "birth" && to === 0) continue;
    const calls = { read: 0, write: 0, cond: 0, injected: 0 };
    let deaths = 0;
    let fps = 0;
    let faults = 0;
    let outcome = "";
    let title = s.kind === "birth" ? "birth" : s.kind === "judgment" ? "verdicts" : "";
    let detail = "";
    for (let i = s.at; i < to; i++) {
      const e = events[i] as TraceEvent;
      if (e.t === "call") calls[callKind(e.op)]++;
      else if (e.t === "death") deaths++;
      else if (e.t === "fp") fps++;
      else if (e.t === "fault") faults++;
      else if (e.t === "op" && i === s.at) {
        title = `#${s.step} ${e.name}`;
        detail = e.detail ?? "";
      } else if (e.t === "result" && outcome === "") outcome = e.outcome;
    }
    bands.push({
      kind: s.kind,
      step: s.step,
      title,
      detail,
      outcome,
      from: s.at,
      to,
      calls,
      deaths,
      fps,
      faults,
    });
  }
  return bands;
}

function tip(e: TraceEvent, i: number): string {
  return `#${i} ${formatEvent(e)}`;
}

function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/** One mark per event that the strip shows (op and result live in the band label). */
function mark(e: TraceEvent, i: number): Html | null {
  switch (e.t) {
    case "call":
      return html`<i class="m call ${KIND_CLASS[callKind(e.op)]}${outcomeClass(e)}" data-i="${i}" title="${tip(e, i)}"></i>`;
    case "spawn":
      return html`<span class="ev spawn" data-i="${i}" title="${tip(e, i)}">▶ p${e.pid}</span>`;
    case "death":
      return html`<span class="ev death" data-i="${i}" title="${tip(e, i)}">✖ p${e.pid} ${clip(e.cause, 60)}</span>`;
    case "fp":
      return html`<span class="ev fp" data-i="${i}" title="${tip(e, i)}">⚑ ${e.name} · ${e.action}</span>`;
    case "fault":
      return html`<span class="ev fault" data-i="${i}" title="${tip(e, i)}">ϟ ${e.kind}</span>`;
    case "float":
      // Drawn like a death: a store call its step let go of is as serious.
      return html`<span class="ev death" data-i="${i}" title="${tip(e, i)}">⚠ p${e.pid} ${e.op} ${clip(e.key, 40)} ${e.why}</span>`;
    case "turn":
      return html`<span class="ev turn" data-i="${i}" title="${tip(e, i)}">⇄ ${e.actor}</span>`;
    case "note":
      return html`<span class="ev note" data-i="${i}" title="${tip(e, i)}">✎ ${clip(e.text, 60)}</span>`;
    case "verdict":
      return html`<span class="ev verdict${e.code.includes("(known:") ? " known" : ""}" data-i="${i}" title="${tip(e, i)}">${e.oracle} · ${e.code} · ${e.detail}</span>`;
    case "op":
    case "result":
      return null;
  }
}

/** The marks of one band: runs of reads collapse into one narrow group; pid switches show. */
function strip(events: readonly TraceEvent[], band: Band): Html {
  const out: Piece[] = [];
  let reads: Html[] = [];
  let lastPid = -1;
  const flush = () => {
    if (reads.length === 0) return;
    out.push(html`<span class="rds" title="${reads.length} read(s)">${reads}</span>`);
    reads = [];
  };
  for (let i = band.from; i < band.to; i++) {
    const e = events[i] as TraceEvent;
    const pid = "pid" in e ? e.pid : -1;
    if (e.t === "spawn") lastPid = e.pid;
    else if (pid >= 0 && pid !== lastPid) {
      flush();
      out.push(html`<span class="pid" title="process p${pid} takes over">p${pid}</span>`);
      lastPid = pid;
    }
    if (e.t === "turn") lastPid = -1;
    const m = mark(e, i);
    if (m === null) continue;
    if (e.t === "call" && callKind(e.op) === "read") {
      reads.push(m);
      continue;
    }
    flush();
    out.push(m);
  }
  flush();
  return join(out);
}

function logLine(e: TraceEvent, i: number): Html {
  const cls = e.t === "call" ? `call ${KIND_CLASS[callKind(e.op)]}` : e.t;
  return html`<li value="${i}" class="${cls}">${formatEvent(e)}</li>`;
}

function counts(b: Band): string {
  const c = b.calls;
  const parts: string[] = [];
  const total = c.read + c.write + c.cond + c.injected;
  if (total > 0) parts.push(`${total} call${total === 1 ? "" : "s"}`);
  if (c.write + c.cond > 0)
    parts.push(`${c.write + c.cond} write${c.write + c.cond === 1 ? "" : "s"}`);
  if (b.fps > 0) parts.push(`${b.fps} fp`);
  if (b.faults > 0) parts.push(`${b.faults} fault${b.faults === 1 ? "" : "s"}`);
  return parts.join(" · ");
}

interface Badge {
  readonly text: string;
  readonly known: boolean;
}

/** The band a violation's step points at: its operation, or for -1 the liveness phase. */
export function bandOfStep(bands: readonly Band[], step: number): number {
  if (step < 0) {
    const firstLiveness = bands.findIndex((b) => b.kind === "liveness");
    return firstLiveness >= 0 ? firstLiveness : bands.findIndex((b) => b.kind === "judgment");
  }
  return bands.findIndex((b) => b.step === step && (b.kind === "life" || b.kind === "liveness"));
}

function badgesFor(rec: UniverseRecord, bands: readonly Band[]): Map<number, Badge[]> {
  const out = new Map<number, Badge[]>();
  const at = (step: number): number => bandOfStep(bands, step);
  const add = (step: number, badge: Badge) => {
    const b = at(step);
    if (b < 0) return;
    const list = out.get(b) ?? [];
    if (!list.some((x) => x.text === badge.text && x.known === badge.known)) list.push(badge);
    out.set(b, list);
  };
  for (const v of rec.violations) add(v.step, { text: `${v.oracle} · ${v.code}`, known: false });
  for (const k of rec.known) add(k.step, { text: `${k.finding}: ${k.code}`, known: true });
  return out;
}

/** Anchors: `<id>-birth`, `<id>-s<step>` for operation bands, `<id>-verdicts`. */
export function bandId(id: string, b: Band): string {
  if (b.kind === "birth") return `${id}-birth`;
  if (b.kind === "judgment") return `${id}-verdicts`;
  return `${id}-s${b.step}`;
}

const MINIMAP_WIDTH = 1000;

/** An SVG overview of the whole trace: bands to scale, with deaths, failpoints and faults. */
function minimap(id: string, events: readonly TraceEvent[], bands: readonly Band[]): Html {
  const n = Math.max(events.length, 1);
  const x = (i: number) => ((i / n) * MINIMAP_WIDTH).toFixed(2);
  const rects = bands.map((b, k) => {
    const w = Math.max(((b.to - b.from) / n) * MINIMAP_WIDTH, 0.5).toFixed(2);
    const label = `${b.title}${b.outcome ? ` → ${b.outcome}` : ""} (events ${b.from}..${b.to - 1})`;
    return html`<a href="#${bandId(id, b)}"><rect class="mb ${b.kind}${k % 2 ? " odd" : ""}" x="${x(b.from)}" y="4" width="${w}" height="20"><title>${label}</title></rect></a>`;
  });
  const ticks: Html[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as TraceEvent;
    const cls = e.t === "death" ? "death" : e.t === "fp" ? "fp" : e.t === "fault" ? "fault" : null;
    if (cls === null) continue;
    const cx = ((i + 0.5) / n) * MINIMAP_WIDTH;
    ticks.push(
      html`<line class="tk ${cls}" data-i="${i}" x1="${cx.toFixed(2)}" x2="${cx.toFixed(2)}" y1="0" y2="28"><title>${tip(e, i)}</title></line>`,
    );
  }
  return html`<svg class="minimap" viewBox="0 0 ${MINIMAP_WIDTH} 28" preserveAspectRatio="none" role="img" aria-label="trace overview">${rects}${ticks}</svg>`;
}

/** The timeline of one universe: a minimap, then one band per operation, then the verdicts. */
export function renderTimeline(
  id: string,
  rec: UniverseRecord,
  events: readonly TraceEvent[],
  bands: readonly Band[] = bandsOf(events, rec.steps),
): Html {
  const badges = badgesFor(rec, bands);
  const items = bands.map((b, k) => {
    const bad = badges.get(k) ?? [];
    const badgeHtml = bad.map(
      (x) => html`<span class="badge${x.known ? " known" : ""}" title="${x.text}">${x.text}</span>`,
    );
    const phase = b.kind === "liveness" ? html`<span class="phase">liveness</span>` : "";
    const second = [clip(b.detail, 70), counts(b)].filter((x) => x !== "").join(" · ");
    return html`<li class="band ${b.kind}${bad.some((x) => !x.known) ? " flagged" : ""}${b.deaths ? " died" : ""}" id="${bandId(id, b)}" data-from="${b.from}" data-to="${b.to}">
<details><summary><span class="bl"><span class="l1"><span class="bt">${b.title}</span>${phase}${b.outcome ? html`<span class="bo" title="${b.outcome}">→ ${clip(b.outcome, 90)}</span>` : ""}</span>${second ? html`<span class="l2" title="${second}">${second}</span>` : ""}${badgeHtml}</span><span class="strip">${strip(events, b)}</span></summary>
<ol class="log">${events.slice(b.from, b.to).map((e, j) => logLine(e, b.from + j))}</ol></details></li>`;
  });
  return html`${minimap(id, events, bands)}<ol class="bands">${items}</ol>`;
}
