import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "serve-liveness";
const CODES = ["boot_never_succeeds", "graph_never_ready", "remedy_not_converged"] as const;
const report = reporter(NAME, CODES);

/**
 * Every universe ends with faults healed and the operator's documented remedy applied; the
 * server must then boot with every applied graph ready within a bounded number of rounds.
 * A crash loop (a remedy that re-creates what blocks boot) fails here.
 */
export const serveLiveness: Oracle = {
  name: NAME,
  codes: CODES,
  description:
    "after healing and the documented remedy, the server boots with every applied graph ready and apply converges",
  judge(input) {
    const l = input.liveness;
    if (!l.ran) return [];
    // An applied revision with no graphs refuses boot by specification (cluster_empty).
    if (!l.bootOk && l.expectedReady.length === 0 && l.note.includes("cluster_not_ready"))
      return [];
    if (!l.bootOk) {
      return [
        report(
          "boot_never_succeeds",
          -1,
          `a booting server within ${l.rounds} remedy rounds`,
          `boot kept failing: ${l.note}`,
        ),
      ];
    }
    const missing = l.expectedReady.filter((g) => !l.ready.includes(g));
    if (missing.length > 0) {
      return [
        report(
          "graph_never_ready",
          -1,
          `every applied graph ready after ${l.rounds} remedy rounds: ${l.expectedReady.join(", ")}`,
          `still not ready: ${missing.join(", ")} (${l.note})`,
        ),
      ];
    }
    // Serving is not enough: once the operator has also resolved what the config asks and the
    // engine refuses (put back the live schema, delete blocking branches, approve deletes),
    // apply must converge, or the cluster can never reach a desired state at all.
    if (!l.converged) {
      return [
        report(
          "remedy_not_converged",
          -1,
          "apply converges (the ledger equals the desired config) once the remedy and the config fixes are done",
          l.note,
        ),
      ];
    }
    return [];
  },
};
