import type { Violation } from "../universe/result.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "expectations";
const CODES = [
  "ok_mismatch",
  "died_mismatch",
  "converged_mismatch",
  "code_missing",
  "code_present",
  "sidecar_count",
  "not_a_boot",
  "boot_mismatch",
  "ready_mismatch",
] as const;
const report = reporter(NAME, CODES);

/** The outcomes a scripted scenario states for its steps. */
export const expectations: Oracle = {
  name: NAME,
  codes: CODES,
  description: "each scripted step's stated expectations hold",
  judge(input) {
    const out: Violation[] = [];
    for (const r of input.records) {
      const e = r.step.expect;
      if (!e) continue;
      const o = r.outcome;
      const bad = (what: (typeof CODES)[number], expected: string, observed: string) =>
        out.push(report(what, r.index, expected, observed));
      if (e.died !== undefined && (o.kind === "died") !== e.died)
        bad("died_mismatch", `died=${e.died}`, `outcome ${o.kind}`);
      const view = o.kind === "apply" || o.kind === "command" || o.kind === "boot" ? o.view : null;
      if (e.ok !== undefined && view?.ok !== e.ok)
        bad("ok_mismatch", `ok=${e.ok}`, view ? `ok=${view.ok}` : o.kind);
      if (e.converged !== undefined && (o.kind !== "apply" || o.view.converged !== e.converged)) {
        bad(
          "converged_mismatch",
          `converged=${e.converged}`,
          o.kind === "apply" ? `converged=${o.view.converged}` : o.kind,
        );
      }
      const codes = new Set(view?.diagnostics.map((d) => d.code) ?? []);
      for (const c of e.codes ?? [])
        if (!codes.has(c))
          bad("code_missing", `diagnostic ${c}`, `[${[...codes].sort().join(", ")}]`);
      for (const c of e.absent ?? [])
        if (codes.has(c))
          bad("code_present", `no diagnostic ${c}`, `[${[...codes].sort().join(", ")}]`);
      if (e.sidecars !== undefined && r.post.sidecars.length !== e.sidecars) {
        bad(
          "sidecar_count",
          `${e.sidecars} recovery sidecar(s)`,
          `${r.post.sidecars.length}: ${r.post.sidecars.map((s) => s.key).join(", ")}`,
        );
      }
      if (e.ready !== undefined || e.bootFailed !== undefined) {
        if (o.kind !== "boot") {
          bad("not_a_boot", "a boot outcome", o.kind);
        } else {
          if (e.bootFailed !== undefined && !o.view.ok !== e.bootFailed)
            bad(
              "boot_mismatch",
              `bootFailed=${e.bootFailed}`,
              `ok=${o.view.ok} ${o.view.failureCode ?? ""}`,
            );
          if (
            e.ready !== undefined &&
            JSON.stringify([...e.ready].sort()) !== JSON.stringify(o.view.ready)
          ) {
            bad(
              "ready_mismatch",
              `ready [${[...e.ready].sort().join(", ")}]`,
              `ready [${o.view.ready.join(", ")}]${o.view.ok ? "" : ` (boot failed: ${o.view.failureCode})`}`,
            );
          }
        }
      }
    }
    return out;
  },
};
