import { z } from "zod";

/** The JSON report: a boundary (CI artifacts are merged and rendered later), so zod-guarded. */
export const ViolationSchema = z
  .object({
    oracle: z.string(),
    code: z.string(),
    step: z.number().int(),
    expected: z.string(),
    observed: z.string(),
  })
  .strict();

export const UniverseRecordSchema = z
  .object({
    scenario: z.string(),
    seed: z.number().int(),
    defects: z.array(z.string()),
    verdict: z.enum(["pass", "fail", "crash"]),
    traceHash: z.string(),
    violations: z.array(ViolationSchema),
    known: z.array(
      z
        .object({
          finding: z.string(),
          oracle: z.string(),
          code: z.string(),
          step: z.number().int(),
        })
        .strict(),
    ),
    failpointsHit: z.array(z.string()),
    steps: z.number().int(),
    deaths: z.number().int(),
    storeCalls: z.number().int(),
    replay: z.string(),
    faultPlan: z.string().optional(),
    excused: z.number().int().optional(),
    error: z.string().optional(),
  })
  .strict();
export type UniverseRecord = z.infer<typeof UniverseRecordSchema>;

export const SummarySchema = z
  .object({
    universes: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    crashed: z.number().int(),
    violations: z.number().int(),
    violationsByOracle: z.record(z.string(), z.number().int()),
    knownFindings: z.record(z.string(), z.number().int()),
    scenarios: z.array(z.string()),
    seeds: z.object({ from: z.number().int(), to: z.number().int() }).strict().nullable(),
    elapsedMs: z.number(),
    universesPerSecond: z.number(),
    stoppedByTimeLimit: z.boolean(),
    /**
     * Present only when a signal stopped the fleet: the report holds the universes that
     * finished before it (a partial report), and the CLI exited 130 (SIGINT) or 143 (SIGTERM).
     */
    interrupted: z.enum(["SIGINT", "SIGTERM"]).optional(),
  })
  .strict();
export type Summary = z.infer<typeof SummarySchema>;

export const CoverageRowSchema = z.tuple([z.string(), z.number().int()]);

export const ReportSchema = z
  .object({
    tool: z.literal("omnigraph-sim"),
    harnessVersion: z.string(),
    nodeVersion: z.string(),
    defects: z.array(z.string()),
    universes: z.array(UniverseRecordSchema),
    /** Failpoints reached across the fleet, with counts, sorted by name. */
    reached: z.array(CoverageRowSchema),
    summary: SummarySchema,
  })
  .strict();
export type Report = z.infer<typeof ReportSchema>;

/** A report without its universes: what a streaming fleet knows at its end. */
export type ReportEnd = Omit<Report, "universes">;
