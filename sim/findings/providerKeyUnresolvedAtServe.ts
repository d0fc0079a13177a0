import { SIM_ENV } from "../universe/Universe.ts";
import type { KnownFinding } from "./KnownFinding.ts";

const UNRESOLVED = /embedding_provider_unresolved/;

export const providerKeyUnresolvedAtServe: KnownFinding = {
  id: "F13-provider-key-unresolved-at-serve",
  title: "apply accepts an embedding provider whose api key the server cannot resolve",
  summary:
    "Validation of an embedding provider profile checks its kind, base URL and model with a placeholder key, so an api_key naming an environment variable (`${NAME}`) passes whatever the environment holds. Apply records the profile and converges. The server resolves the variable from its own environment at boot; when it is unset there, every graph bound to the provider is quarantined with embedding_provider_unresolved, and a cluster whose graphs all use it does not boot at all. Arguably by design (the operator's shell cannot know the server's environment), but nothing before boot says so: apply reports success for a configuration that cannot be served.",
  codePath: [
    {
      file: "crates/omnigraph-cluster/src/types.rs",
      function: "validate",
      role: "EmbeddingProviderConfig::validate builds the config with a placeholder key, so an unresolvable api_key reference passes",
    },
    {
      file: "crates/omnigraph-cluster/src/types.rs",
      function: "resolve",
      role: "reads the referenced variable from the environment of the process that resolves it, the server's",
    },
    {
      file: "crates/omnigraph-server/src/settings.rs",
      function: "load_cluster_settings",
      role: "resolves each graph's provider at boot and quarantines the graph when resolution fails",
    },
  ],
  spec: [],
  scenario: "provider-key-unresolved",
  laterUpstream: null,
  matches(v, input) {
    const refused =
      v.oracle === "accepted-means-servable" &&
      (v.code === "accepted_config_refused" || v.code === "applied_graph_not_served");
    if (
      !refused ||
      (!UNRESOLVED.test(v.observed) && !/env var '[^']+' is not set/.test(v.observed))
    )
      return false;
    // The operator wrote such a profile, and the one the boot's ledger applies to every graph
    // it left out names its api key through a variable the server's environment lacks (the
    // config in force at the boot may since have been edited again, unapplied).
    const rec = input.records[v.step];
    if (rec?.outcome.kind !== "boot") return false;
    const wrote = input.records.some(
      (r) => r.index < v.step && r.desired.provider.hostile === "unset-env",
    );
    const res = rec.pre.ledger?.resources ?? {};
    const out = rec.outcome.view.quarantined;
    return (
      wrote &&
      out.length > 0 &&
      out.every((q) => {
        if (q.code !== "embedding_provider_unresolved") return false;
        const bound = res[`graph.${q.graphId}`]?.embedding_provider;
        const profile = typeof bound === "string" ? res[bound]?.embedding_profile : undefined;
        const key =
          typeof profile === "object" && profile !== null
            ? (profile as Record<string, unknown>).api_key
            : undefined;
        const name = typeof key === "string" ? /^\s*\$\{(.+)\}\s*$/.exec(key)?.[1] : undefined;
        return name !== undefined && !Object.hasOwn(SIM_ENV, name);
      })
    );
  },
};
