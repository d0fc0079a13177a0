import type { CrashCase, Enumeration } from "./enumerate.ts";

function planText(c: CrashCase): string {
  if (c.plan.failpoint) return `--life-failpoint ${c.plan.failpoint.name}:${c.plan.failpoint.mode}`;
  return `--kill-at ${(c.plan.killAt ?? []).join(",")}`;
}

/** The enumeration as text: a table per crashed step, then every violating case with its replay. */
export function formatEnumeration(e: Enumeration, baseFile: string, elapsedMs: number): string[] {
  const lines: string[] = [];
  const groups = new Map<string, CrashCase[]>();
  for (const c of e.cases) {
    const key = c.step < 0 ? "(not reached)" : `${String(c.step).padStart(3)} ${c.op}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  lines.push(`crash-state enumeration of ${e.base.description}`);
  lines.push(
    `W = ${e.writes} durable writes in life; ${e.failpoints.length} failpoints reached; ${e.cases.length} crash cases`,
  );
  lines.push("");
  lines.push(
    "step op            cases  states  rolled-fwd  retired  pending  quarantined  clean  violations",
  );
  const sorted = [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [key, cs] of sorted) {
    const n = (b: string) =>
      String(cs.filter((c) => c.recovery === b).length).padStart(
        b === "rolled-forward" ? 10 : b === "quarantined" ? 11 : 7,
      );
    const states = new Set(cs.map((c) => c.state)).size;
    const bad = cs.filter((c) => c.verdict !== "pass").length;
    lines.push(
      `${key.padEnd(18)} ${String(cs.length).padStart(5)}  ${String(states).padStart(6)}  ${n("rolled-forward")}  ${n("retired")}  ${n("kept-pending")}  ${n("quarantined")}  ${n("clean").slice(2)}  ${String(bad).padStart(10)}`,
    );
  }
  const failing = e.cases.filter((c) => c.verdict !== "pass");
  lines.push("");
  lines.push(
    `${e.cases.length} cases, ${new Set(e.cases.map((c) => c.state)).size} distinct post-crash states, ${failing.length} with violations, in ${(elapsedMs / 1000).toFixed(2)} s`,
  );
  for (const c of failing.slice(0, 20)) {
    lines.push(
      `VIOLATION at step ${c.step} ${c.op} (${c.where}): ${c.violations.map((v) => `[${v.oracle}] ${v.code}`).join(", ")}`,
    );
    lines.push(`  pnpm sim replay --file ${baseFile} --seed ${e.seed} ${planText(c)}`);
  }
  if (failing.length > 20) lines.push(`... and ${failing.length - 20} more`);
  return lines;
}
