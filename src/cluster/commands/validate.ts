import { loadDesired } from "../config/load.ts";
import { hasErrors } from "../diagnostics.ts";
import type { ValidateOutput } from "../outputs.ts";
import {
  type ClusterContext,
  dependenciesJson,
  digestsJson,
  guarded,
  resourcesJson,
} from "./context.ts";

/** `cluster validate`: the desired revision from the working tree; touches no storage. */
export async function validate(ctx: ClusterContext): Promise<ValidateOutput> {
  return guarded(
    async () => {
      const outcome = await loadDesired(ctx.workTree, ctx.configDir);
      const d = outcome.desired;
      return {
        ok: !hasErrors(outcome.diagnostics),
        config_dir: outcome.configDir,
        config_file: outcome.configFile,
        resource_digests: d === null ? {} : digestsJson(d.resourceDigests),
        resources: d === null ? [] : resourcesJson(d.resources),
        dependencies: d === null ? [] : dependenciesJson(d.dependencies),
        diagnostics: outcome.diagnostics,
      };
    },
    (diag) => ({
      ok: false,
      config_dir: ctx.configDir,
      config_file: "",
      resource_digests: {},
      resources: [],
      dependencies: [],
      diagnostics: [diag],
    }),
  );
}
