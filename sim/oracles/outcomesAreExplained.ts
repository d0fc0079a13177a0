import type { Violation } from "../universe/result.ts";
import { type ExplainDeps, explain, rulesFor } from "./explain/catalogue.ts";
import { failuresOf } from "./explain/failures.ts";
import { buildHistory } from "./explain/history.ts";
import { type Oracle, reporter } from "./Oracle.ts";

const NAME = "outcomes-are-explained";
const CODES = ["unexplained_failure"] as const;
const report = reporter(NAME, CODES);

/**
 * Every failed outcome of every step (a command's error, a failed engine action or open, a
 * refused boot, each quarantined graph, a death) has an explanation, or it is a violation:
 * the oracle that judges what no other oracle's author thought of. The explanations are data
 * (./explain/catalogue.ts): an injection inside the step; an engine rejection the planner
 * gives for exactly the change the config asks for; a documented refusal together with the
 * residue that justifies it, named by key and traced to the disturbed step that left it; or
 * contention with a named concurrent actor. A known upstream finding answers for the rest.
 */
export function makeOutcomesAreExplained(deps: ExplainDeps): Oracle {
  return {
    name: NAME,
    codes: CODES,
    description:
      "every failed outcome is explained by an injection, a rejected change, a named residue or a concurrent actor",
    judge(input) {
      const history = buildHistory(input.records, input.events);
      const out: Violation[] = [];
      for (const record of input.records) {
        for (const f of failuresOf(record)) {
          if (
            explain(f, { record, history, deps, sourcesByDigest: input.sourcesByDigest }) !== null
          )
            continue;
          const who = f.actor >= 0 ? `${f.op} (actor ${f.actor})` : f.op;
          const tried = rulesFor(f.code);
          out.push(
            report(
              "unexplained_failure",
              record.index,
              `every failed outcome explained (${tried.length > 0 ? `rules for ${f.code}: ${tried.join(", ")}` : `no rule knows ${f.code}`})`,
              `${who} ${f.what} failed with ${f.code}${f.graph !== null ? ` on '${f.graph}'` : ""}: ${f.message || "(no message)"}`,
            ),
          );
        }
      }
      return out;
    },
  };
}
