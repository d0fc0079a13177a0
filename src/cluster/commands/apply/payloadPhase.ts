import { resourceKind } from "../../addresses.ts";
import { sourcePathOf } from "../../config/desired.ts";
import { countErrors, error } from "../../diagnostics.ts";
import { maybeFail } from "../../failpoints.ts";
import { payloadRelative } from "../../store/payloads.ts";
import { writeResourcePayload } from "../source.ts";

import type { PhaseResult, Run } from "./run.ts";
/** Phase K: content-addressed payload blobs, before the state write that publishes them. */
export async function payloadPhase(run: Run): Promise<PhaseResult> {
  const { ctx, store, diagnostics } = run;
  // Only this phase's errors end the run: a kept row-5 sweep error must still persist.
  const errorsBefore = countErrors(diagnostics);
  for (const c of run.changes) {
    if (c.disposition !== "applied" || c.operation === "delete") continue;
    const kind = resourceKind(c.resource);
    const digest = c.after_digest ?? "";
    if (payloadRelative(kind, digest) === null) continue;
    const sourcePath = sourcePathOf(run.desired, c.resource);
    if (sourcePath === undefined) {
      diagnostics.push(
        error("resource_payload_write_error", c.resource, "no source file recorded for resource"),
      );
      continue;
    }
    const failure = await writeResourcePayload(
      store,
      ctx.workTree,
      kind,
      sourcePath,
      digest,
      c.resource,
      { lossyUtf8: ctx.proc.world.hasDefect("payload-decodes-lossily") },
    );
    if (failure !== null) diagnostics.push(failure);
  }
  if (countErrors(diagnostics) > errorsBefore) return "early_return";
  const afterPayloads = await maybeFail(ctx.proc, "cluster_apply.after_payload_phase");
  if (afterPayloads !== null) {
    diagnostics.push(afterPayloads);
    return "early_return";
  }
  return "continue";
}
