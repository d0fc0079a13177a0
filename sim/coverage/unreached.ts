import type { FailpointName } from "../../src/catalog/failpoints.ts";

/**
 * Failpoints the coverage fleet does not reach, each with the reason. A catalogued failpoint
 * that is neither reached nor listed here fails test/coverage: make it reachable (a scenario
 * or a recipe) or record why it cannot be.
 */
const HARD_DROP =
  "hard drops need allow_data_loss, which cluster apply never passes (spec §4.6: soft drops only)";

export const UNREACHED_REASONS: Readonly<Partial<Record<FailpointName, string>>> = {
  "engine.schema_apply.cleanup_old_versions.before": HARD_DROP,
  "engine.schema_apply.cleanup_old_versions.after": HARD_DROP,
};
