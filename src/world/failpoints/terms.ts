/**
 * fail-rs style failpoint terms: `[<p>%][<cnt>*]<task>[(<arg>)]`, chained with `->`.
 *
 *   crash                 die every time the point is reached
 *   2*off->error(disk)    pass twice, then return an injected error with message "disk"
 *   25%crash              die with probability 1/4 at each hit (drawn from the world's rng)
 *   1*probe->off          record the first hit only
 *
 * Tasks: off, error (alias return), crash (alias panic), probe (alias print).
 */
export type TaskKind = "off" | "error" | "crash" | "probe";

export interface TermStep {
  readonly task: TaskKind;
  readonly arg?: string;
  /** Probability in (0, 1]; 1 when no `p%` prefix. */
  readonly probability: number;
  /** How many firings before moving to the next step; undefined = forever. */
  readonly count?: number;
}

export type TermParse =
  | { readonly ok: true; readonly steps: readonly TermStep[] }
  | {
      readonly ok: false;
      readonly code: "failpoint_term_invalid";
      readonly term: string;
      readonly message: string;
    };

const TASK_ALIASES: Record<string, TaskKind> = {
  off: "off",
  error: "error",
  return: "error",
  crash: "crash",
  panic: "crash",
  probe: "probe",
  print: "probe",
};

const STEP_RE = /^(?:(\d+(?:\.\d+)?)%)?(?:(\d+)\*)?([a-z]+)(?:\(([^()]*)\))?$/;

export function parseTerm(term: string): TermParse {
  const bad = (message: string): TermParse => ({
    ok: false,
    code: "failpoint_term_invalid",
    term,
    message,
  });
  const trimmed = term.trim();
  if (trimmed === "") return bad(`failpoint term '${term}' is empty`);
  const steps: TermStep[] = [];
  const parts = trimmed.split("->");
  for (const [i, raw] of parts.entries()) {
    const part = raw.trim();
    const m = STEP_RE.exec(part);
    if (!m) {
      return bad(
        `failpoint term '${term}': step '${part}' is not of the form [p%][cnt*]task[(arg)]`,
      );
    }
    const [, pct, cnt, name, arg] = m;
    const task = TASK_ALIASES[name as string];
    if (!task) {
      return bad(
        `failpoint term '${term}': unknown task '${name}' (expected off, error, crash or probe)`,
      );
    }
    const probability = pct === undefined ? 1 : Number(pct) / 100;
    if (!(probability > 0 && probability <= 1)) {
      return bad(`failpoint term '${term}': probability '${pct}%' must be in (0, 100]`);
    }
    const count = cnt === undefined ? undefined : Number(cnt);
    if (count !== undefined && count < 1) {
      return bad(`failpoint term '${term}': count '${cnt}*' must be at least 1`);
    }
    if (count === undefined && i < parts.length - 1) {
      return bad(
        `failpoint term '${term}': step '${part}' has no count, so the steps after it are unreachable`,
      );
    }
    if (arg !== undefined && task !== "error") {
      return bad(`failpoint term '${term}': task '${name}' takes no argument`);
    }
    steps.push({
      task,
      probability,
      ...(count !== undefined ? { count } : {}),
      ...(arg !== undefined ? { arg } : {}),
    });
  }
  return { ok: true, steps };
}

export function formatTerm(steps: readonly TermStep[]): string {
  return steps
    .map((s) => {
      const p = s.probability < 1 ? `${+(s.probability * 100).toFixed(4)}%` : "";
      const c = s.count !== undefined ? `${s.count}*` : "";
      const a = s.arg !== undefined ? `(${s.arg})` : "";
      return `${p}${c}${s.task}${a}`;
    })
    .join("->");
}
