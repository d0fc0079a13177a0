import type { Reporter } from "../orchestrator/reporter.ts";
import type { ReportEnd, UniverseRecord } from "../report/schema.ts";
import { formatFailure, formatTotals, MAX_PRINTED_FAILURES } from "./format.ts";

export interface ConsoleSink {
  readonly out: (line: string) => void;
  /** Progress output (stderr); `tty` decides between a redrawn line and plain periodic lines. */
  readonly progress: (text: string) => void;
  readonly tty: boolean;
  /**
   * The orchestrator's wall clock in milliseconds (the CLI passes src/world/real's), for rate,
   * elapsed time and ETA; without one the progress carries counts only.
   */
  readonly now?: () => number;
  /** The terminal's width, asked at every redraw because a terminal can be resized mid-run. */
  readonly columns?: () => number | undefined;
}

/** What one progress line reports. */
export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly failing: number;
  /** Wall-clock milliseconds since the fleet started; undefined without a clock. */
  readonly elapsedMs?: number;
}

/** A TTY line is redrawn at most this often: a fleet finishes hundreds of universes a second. */
export const REDRAW_MS = 100;
/** Without a TTY (CI logs) a line at every tenth of the run, and at least this often. */
export const PLAIN_EVERY_MS = 60_000;

/** 75 -> "1:15", 3700 -> "1:01:40". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The figures of a progress line, most important first (a narrow terminal drops the tail). */
export function progressParts(p: Progress): string[] {
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const parts = [`${p.done}/${p.total} universes (${pct}%)`, `failing ${p.failing}`];
  if (p.elapsedMs !== undefined) {
    const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
    parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
    parts.push(`elapsed ${formatDuration(p.elapsedMs)}`);
    if (p.done >= p.total) parts.push("done");
    else if (rate > 0) parts.push(`ETA ${formatDuration(((p.total - p.done) / rate) * 1000)}`);
    else parts.push("ETA --");
  }
  return parts;
}

export function progressText(p: Progress): string {
  return progressParts(p).join(" | ");
}

/**
 * The line a TTY shows, within one column less than the terminal so it never wraps (a wrapped
 * line cannot be redrawn by \r): the figures that fit whole, and a bar in front when there is
 * room for one.
 */
export function ttyLine(p: Progress, columns: number | undefined): string {
  const room = Math.max((columns ?? 80) - 1, 1);
  const [first = "", ...rest] = progressParts(p);
  let text = first.slice(0, room);
  for (const part of rest) {
    if (text.length + 3 + part.length > room) break;
    text += ` | ${part}`;
  }
  const bar = Math.min(30, room - text.length - 3);
  if (bar < 10) return text;
  const filled = Math.round((p.done / Math.max(p.total, 1)) * bar);
  return `[${"#".repeat(filled)}${".".repeat(bar - filled)}] ${text}`;
}

/**
 * Progress to stderr (a redrawn line on a TTY, plain lines in CI); failures to stdout as they
 * are found (the first MAX_PRINTED_FAILURES in full, in job order), the summary at the end.
 */
export class ConsoleReporter implements Reporter {
  private failures = 0;
  private startMs = 0;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private lastDecile = -1;
  /** A TTY line is drawn and not yet ended by a newline. */
  private lineOpen = false;

  constructor(
    private readonly sink: ConsoleSink,
    private readonly maxFailures = MAX_PRINTED_FAILURES,
  ) {}

  onStart(_total: number): void {
    // The header (what will run) is the command's: it knows scenarios, seeds and workers.
    this.startMs = this.sink.now?.() ?? 0;
  }

  onUniverse(record: UniverseRecord, done: number, total: number): void {
    if (record.verdict !== "pass") {
      this.failures++;
      if (this.failures <= this.maxFailures) {
        // Off the terminal's progress line first, and redraw it after.
        const erased = this.endLine(true);
        for (const line of formatFailure(record)) this.sink.out(line);
        if (erased) this.lastDrawMs = Number.NEGATIVE_INFINITY;
      }
    }
    const now = this.sink.now?.();
    const p: Progress = {
      done,
      total,
      failing: this.failures,
      ...(now !== undefined ? { elapsedMs: now - this.startMs } : {}),
    };
    const last = done >= total;
    if (this.sink.tty) {
      // Without a clock, every 25th universe stands in for the redraw interval.
      const due = now !== undefined ? now - this.lastDrawMs >= REDRAW_MS : done % 25 === 0;
      if (!due && !last) return;
      if (now !== undefined) this.lastDrawMs = now;
      // \x1b[K clears what a longer previous line left to the right.
      this.sink.progress(`\r${ttyLine(p, this.sink.columns?.())}\x1b[K${last ? "\n" : ""}`);
      this.lineOpen = !last;
      return;
    }
    const decile = Math.floor((done / Math.max(total, 1)) * 10);
    const stale = now !== undefined && now - this.lastDrawMs >= PLAIN_EVERY_MS;
    if (decile === this.lastDecile && !stale) return;
    this.lastDecile = decile;
    if (now !== undefined) this.lastDrawMs = now;
    this.sink.progress(`progress ${progressText(p)}\n`);
  }

  onEnd(end: ReportEnd): void {
    // A run stopped early (time limit, signal) leaves its TTY line open: end it.
    this.endLine(false);
    for (const line of formatTotals(end.summary, this.failures, this.maxFailures))
      this.sink.out(line);
  }

  /**
   * Leaves an open TTY progress line: erased (before stdout output) or ended by a newline;
   * says whether there was one.
   */
  private endLine(erase: boolean): boolean {
    if (!this.lineOpen) return false;
    this.sink.progress(erase ? "\r\x1b[K" : "\n");
    this.lineOpen = false;
    return true;
  }
}
