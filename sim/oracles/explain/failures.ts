import type { Action, Step } from "../../scenario/schema.ts";
import type { Outcome, StepRecord } from "../../universe/records.ts";

/**
 * A failed outcome, as the explanations see it: one per error of a command, per refused boot,
 * per quarantined graph, per death. Warnings never fail anything and are not outcomes.
 */
export interface Failure {
  readonly what: "command" | "apply" | "boot" | "quarantine" | "death";
  /** The operation that failed (an actor's own op inside a concurrent step). */
  readonly op: string;
  /** The actor's index inside a concurrent step; -1 for a step of one actor. */
  readonly actor: number;
  readonly code: string;
  readonly message: string;
  /** The graph the failure concerns, when it names one. */
  readonly graph: string | null;
}

const GRAPH_PATH = /^(?:graph|schema|query\.[^.]+|policy)\.([A-Za-z_][A-Za-z0-9_-]*)$/;
const GRAPH_IN_MESSAGE = /graphs\/([A-Za-z_][A-Za-z0-9_-]*)\.omni/;

function graphOf(path: string, message: string, step: Step | Action): string | null {
  const p = /^(?:graph|schema)\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(path) ?? GRAPH_PATH.exec(path);
  if (p) return p[1] as string;
  const m = GRAPH_IN_MESSAGE.exec(path) ?? GRAPH_IN_MESSAGE.exec(message);
  if (m) return m[1] as string;
  return "graph" in step && typeof step.graph === "string" ? step.graph : null;
}

function collect(o: Outcome, step: Step | Action, actor: number, out: Failure[]): void {
  const op = step.op;
  switch (o.kind) {
    case "died":
      out.push({ what: "death", op, actor, code: "died", message: o.cause, graph: null });
      return;
    case "apply":
    case "command":
      for (const d of o.view.diagnostics) {
        if (d.severity !== "error") continue;
        out.push({
          what: o.kind,
          op,
          actor,
          code: d.code,
          message: d.message,
          graph: graphOf(d.path, d.message, step),
        });
      }
      if (!o.view.ok && !o.view.diagnostics.some((d) => d.severity === "error"))
        out.push({ what: o.kind, op, actor, code: "not_ok", message: "", graph: null });
      return;
    case "boot": {
      const v = o.view;
      for (const q of v.quarantined)
        out.push({
          what: "quarantine",
          op,
          actor,
          code: q.code,
          message: q.reason,
          graph: q.graphId,
        });
      if (v.ok) return;
      // A refusal at the sidecar layer (every applied graph pending) lists no quarantines, only
      // a warning per pending graph: each is judged as the quarantine it stands for.
      for (const d of v.diagnostics) {
        if (d.severity !== "warning" || d.code !== "cluster_recovery_pending") continue;
        const graph = graphOf(d.path, d.message, step);
        if (v.quarantined.some((q) => q.graphId === graph)) continue;
        out.push({ what: "quarantine", op, actor, code: d.code, message: d.message, graph });
      }
      const errors = v.diagnostics.filter((d) => d.severity === "error");
      for (const d of errors)
        out.push({
          what: "boot",
          op,
          actor,
          code: d.code,
          message: d.message,
          graph: graphOf(d.path, d.message, step),
        });
      // A refusal that carries neither errors nor quarantines must be explained by itself.
      if (errors.length === 0 && v.quarantined.length === 0)
        out.push({
          what: "boot",
          op,
          actor,
          code: v.failureCode ?? "boot_failed",
          message: v.failureMessage ?? "",
          graph: null,
        });
      return;
    }
    case "concurrent": {
      const actors = step.op === "concurrently" ? step.actors : [];
      o.outcomes.forEach((x, i) => {
        collect(x, actors[i] ?? step, i, out);
      });
      return;
    }
    case "edited":
    case "skipped":
      return;
  }
}

/** Every failed outcome of a step, in the order the step reported them. */
export function failuresOf(r: StepRecord): Failure[] {
  const out: Failure[] = [];
  collect(r.outcome, r.step, -1, out);
  return out;
}
