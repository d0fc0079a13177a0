import type { TraceEvent } from "../../../src/world/trace.ts";
import { ROOT_OF } from "../../universe/observe.ts";
import type { StepRecord } from "../../universe/records.ts";

/**
 * What the explanations need to know about a universe's past, computed once per judgment from
 * the trace: which steps were disturbed (a crash, an injected error, a storage fault or a
 * racing edit inside them), which graphs each disturbance left residue on, and which step
 * last wrote a given key. A refusal is only explained by residue that a disturbance left.
 */
export interface Disturbance {
  readonly step: number;
  /** The first injection of the step, as a reader would name it. */
  readonly by: string;
}

export interface History {
  readonly records: readonly StepRecord[];
  readonly events: readonly TraceEvent[];
  /** The disturbance inside each step, by step index (null: none). */
  readonly disturbed: ReadonlyArray<Disturbance | null>;
  /**
   * The first disturbed step that touched each graph's root (a write under it, a fault on a
   * key under it, or a death naming it), up to and including each step: the graph's taint.
   */
  taintBefore(graph: string, step: number): Disturbance | null;
  /** The step that last wrote `key` (or had a storage fault on it) before `step`. */
  lastWriter(key: string, step: number): number | null;
}

/** Store operations that change what is stored. */
export const WRITES: ReadonlySet<string> = new Set([
  "put",
  "putIfAbsent",
  "putIfMatch",
  "delete",
  "deletePrefix",
  "copy",
  "rename",
]);

/** Faults that cannot change what a call does, only when it answers. */
const HARMLESS_FAULTS: ReadonlySet<string> = new Set(["latency"]);

function disturbanceIn(events: readonly TraceEvent[], from: number, to: number): string | null {
  for (let i = from; i < to; i++) {
    const e = events[i] as TraceEvent;
    if (e.t === "fp" && e.action === "callback") return `a racing edit at ${e.name}`;
    if (e.t === "fp" && e.action !== "probe") return `failpoint ${e.name} (${e.action})`;
    if (e.t === "death") return `death of p${e.pid}: ${e.cause}`;
    if (e.t === "fault" && !HARMLESS_FAULTS.has(e.kind)) return `${e.kind} on ${e.key}`;
  }
  return null;
}

const GRAPH_KEY = /^graphs\/([^/]+)\.omni(\/|$)/;
const GRAPH_IN_TEXT = /graphs\/([^/\s]+)\.omni/g;

function graphsTouched(events: readonly TraceEvent[], from: number, to: number): Set<string> {
  const out = new Set<string>();
  for (let i = from; i < to; i++) {
    const e = events[i] as TraceEvent;
    if ((e.t === "call" && WRITES.has(e.op)) || e.t === "fault") {
      const m = GRAPH_KEY.exec(e.key);
      if (m) out.add(m[1] as string);
    } else if (e.t === "death") {
      for (const m of e.cause.matchAll(GRAPH_IN_TEXT)) out.add(m[1] as string);
    }
  }
  return out;
}

export function buildHistory(
  records: readonly StepRecord[],
  events: readonly TraceEvent[],
): History {
  const disturbed = records.map((r): Disturbance | null => {
    const by = disturbanceIn(events, r.traceFrom, r.traceTo);
    return by === null ? null : { step: r.index, by };
  });
  // Taint per graph: the first disturbed step touching it (records are in step order).
  const taint = new Map<string, Disturbance>();
  const taintStep: Array<ReadonlyMap<string, Disturbance>> = [];
  for (const r of records) {
    const d = disturbed[r.index];
    if (d) {
      for (const g of graphsTouched(events, r.traceFrom, r.traceTo))
        if (!taint.has(g)) taint.set(g, d);
      // A death before its first write to a graph still leaves what it wrote elsewhere; the
      // graph a dying engine call was working on is in its root's keys of the step's reads.
      for (let i = r.traceFrom; i < r.traceTo; i++) {
        const e = events[i] as TraceEvent;
        if (e.t !== "death") continue;
        for (let j = i - 1; j >= r.traceFrom; j--) {
          const c = events[j] as TraceEvent;
          if (c.t !== "call" || c.pid !== e.pid) continue;
          const m = GRAPH_KEY.exec(c.key);
          if (m && !taint.has(m[1] as string)) taint.set(m[1] as string, d);
          break;
        }
      }
    }
    taintStep.push(new Map(taint));
  }
  const stepOfEvent = (i: number): number => {
    let lo = 0;
    let hi = records.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = records[mid] as StepRecord;
      if (i < r.traceFrom) hi = mid - 1;
      else if (i >= r.traceTo) lo = mid + 1;
      else return mid;
    }
    return -1;
  };
  return {
    records,
    events,
    disturbed,
    taintBefore(graph, step) {
      return taintStep[step]?.get(graph) ?? null;
    },
    lastWriter(key, step) {
      const r = records[step];
      const end = r === undefined ? events.length : r.traceFrom;
      for (let i = end - 1; i >= 0; i--) {
        const e = events[i] as TraceEvent;
        // A storage fault on the key counts: a write whose acknowledgement was lost landed.
        const wrote =
          (e.t === "call" &&
            e.key === key &&
            WRITES.has(e.op) &&
            !e.result.startsWith("error") &&
            e.result !== "false") ||
          (e.t === "fault" && e.key === key);
        if (wrote) return stepOfEvent(i);
      }
      return null;
    },
  };
}

export { ROOT_OF };
