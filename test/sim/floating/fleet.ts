import { writeFileSync } from "node:fs";
import { bundle } from "../../../sim/bundle.mjs";
import { runFleet } from "../../../sim/orchestrator/fleet.ts";
import { ConsoleReporter } from "../../../sim/reporters/ConsoleReporter.ts";
import { contextWith, rejectingApply, SCENARIO } from "./systems.ts";

/**
 * `node --import tsx test/sim/floating/fleet.ts WORKERS REPORT.json`: a fleet of the
 * floating-probe scenario, seeds 1..6, whose apply leaves a rejected promise unhandled in
 * the REJECTING_SEEDS, in this process (and its pool threads). Prints what `pnpm sim` prints,
 * then "fleet finished": a process killed by the rejection never gets there.
 */
const workers = Number(process.argv[2]);
const out = process.argv[3] as string;
let workerEntry: { readonly url: URL; readonly kind: "bundle" } | undefined;
if (workers > 1) {
  const b = await bundle("test/sim/floating/worker.ts", "test-floating-worker");
  if (!b.ok) throw new Error(b.reason);
  workerEntry = { url: b.url, kind: "bundle" };
}
const report = await runFleet({
  jobs: [1, 2, 3, 4, 5, 6].map((seed) => ({ scenario: SCENARIO, seed, defects: [] })),
  workers,
  checkDeterminism: false,
  reporters: [
    new ConsoleReporter({
      out: (line) => process.stdout.write(`${line}\n`),
      progress: () => {},
      tty: false,
    }),
  ],
  defects: [],
  context: contextWith(rejectingApply()),
  ...(workerEntry !== undefined ? { workerEntry } : {}),
});
writeFileSync(out, JSON.stringify(report));
process.stdout.write("fleet finished\n");
