import type { Diagnostic } from "./diagnostics.ts";
import type { ApplyOutput } from "./outputs.ts";
import type { PlanChange } from "./plan.ts";

/**
 * Text rendering of outputs, kept apart from the data: pure functions of an output, so a CLI,
 * a trace or a failure report can all show the same thing.
 */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.severity}[${d.code}] ${d.path}: ${d.message}`;
}

export function formatChange(c: PlanChange): string {
  const sigil = c.operation === "create" ? "+" : c.operation === "delete" ? "-" : "~";
  const disposition =
    c.disposition === undefined ? "" : ` [${c.disposition}${c.reason ? `: ${c.reason}` : ""}]`;
  const meta = c.metadata_change === undefined ? "" : ` (${c.metadata_change})`;
  return `${sigil} ${c.resource}${meta}${disposition}`;
}

export function formatApply(out: ApplyOutput): string {
  const lines = [
    `apply ${out.ok ? "ok" : "FAILED"}: applied ${out.applied_count}, deferred ${out.deferred_count}, ` +
      `${out.converged ? "converged" : "not converged"}, state ${out.state_written ? "written" : "unchanged"}`,
  ];
  for (const c of out.changes) lines.push(`  ${formatChange(c)}`);
  for (const d of out.diagnostics) lines.push(`  ${formatDiagnostic(d)}`);
  return lines.join("\n");
}
