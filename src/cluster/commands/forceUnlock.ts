import { storageRootOf, validateClusterHeader } from "../config/header.ts";
import { parseClusterConfig } from "../config/parse.ts";
import { hasErrors } from "../diagnostics.ts";
import type { ForceUnlockOutput } from "../outputs.ts";
import { emptyObservations } from "../store/observations.ts";
import { type ClusterContext, guarded } from "./context.ts";
import { selectStore } from "./open.ts";

/**
 * `cluster force-unlock <lock_id>`: removes a lock a dead command left behind, only if it
 * parses, is version 1 and carries exactly `lockId`.
 */
export async function forceUnlock(ctx: ClusterContext, lockId: string): Promise<ForceUnlockOutput> {
  return guarded(
    async () => {
      const parsed = await parseClusterConfig(ctx.workTree, ctx.configDir);
      const diagnostics = parsed.diagnostics;
      const store = selectStore(
        ctx,
        parsed.raw === null ? null : storageRootOf(parsed.raw),
        diagnostics,
      );
      const obs = store.observations();
      let lockRemoved = false;
      if (parsed.raw !== null) {
        validateClusterHeader(parsed.raw, diagnostics);
        if (!hasErrors(diagnostics)) {
          const failure = await store.lock.forceUnlock(lockId, obs);
          if (failure === null) lockRemoved = true;
          else diagnostics.push(failure);
        }
      }
      return {
        ok: !hasErrors(diagnostics),
        config_dir: parsed.configDir,
        state_observations: obs,
        lock_removed: lockRemoved,
        diagnostics,
      };
    },
    (diag) => ({
      ok: false,
      config_dir: ctx.configDir,
      state_observations: emptyObservations(),
      lock_removed: false,
      diagnostics: [diag],
    }),
  );
}
