import type { NamedFailpoint } from "../catalog/failpoints.ts";
import type { Process } from "../world/process.ts";
import { type Diagnostic, error } from "./diagnostics.ts";

/**
 * Evaluates one of upstream's cluster failpoints. An injected error becomes the
 * `injected_failpoint` diagnostic (path = the failpoint's name) with upstream's fixed text;
 * a crash never returns (the world kills the process and the caller unwinds).
 */
export async function maybeFail(proc: Process, name: NamedFailpoint): Promise<Diagnostic | null> {
  const verdict = await proc.failpoint(name);
  if (verdict === null) return null;
  return error("injected_failpoint", name, `injected failpoint triggered: ${name}`);
}
