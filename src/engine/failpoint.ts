import type { NamedFailpoint } from "../catalog/failpoints.ts";
import type { Process } from "../world/process.ts";
import { EngineError } from "./errors.ts";

/**
 * Evaluates one of upstream's named engine failpoints. An injected error enters the engine's
 * ordinary error path, exactly as upstream's `maybe_fail` returns an `OmniError`; a crash
 * never returns (the world kills the process).
 */
export async function engineFailpoint(proc: Process, name: NamedFailpoint): Promise<void> {
  const verdict = await proc.failpoint(name);
  if (verdict !== null) throw new EngineError("injected", verdict.message);
}
