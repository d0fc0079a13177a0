import * as cluster from "../../src/cluster/index.ts";
import { compileSchema, openGraph } from "../../src/engine/index.ts";
import { planMigration, planRejection } from "../../src/engine/schema/plan.ts";
import { bootServerWithRegistry, type ServerRegistry } from "../../src/server/index.ts";
import { PolicyEngine } from "../../src/server/policy.ts";
import { sha256Hex } from "../../src/util/digest.ts";
import { rethrowDeath } from "../../src/world/process.ts";
import { installBackendProfile, profileOfStore } from "../../src/world/store/profiles.ts";
import { World } from "../../src/world/world.ts";
import type { BootView, CommandView, Diag, Enforced, Settled, System } from "./system.ts";

function failure(code: string, path: string, e: unknown): CommandView {
  rethrowDeath(e);
  const message = e instanceof Error ? e.message : String(e);
  const code2 =
    typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : code;
  return { ok: false, diagnostics: [{ code: code2, severity: "error", path, message }] };
}

async function engineAction(root: string, f: () => Promise<void>): Promise<CommandView> {
  try {
    await f();
    return { ok: true, diagnostics: [] };
  } catch (e) {
    return failure("engine_error", root, e);
  }
}

/** What the registry holds: the bundles, queries and embeddings requests are served under. */
function enforcedBy(registry: ServerRegistry): Enforced {
  return {
    serverPolicyDigest: registry.serverPolicy?.sourceDigest ?? null,
    graphs: [...registry.graphs.values()]
      .map((h) => ({
        graphId: h.graph_id,
        policyDigest: h.policy?.sourceDigest ?? null,
        queries: Object.fromEntries([...h.queries].map(([name, q]) => [name, sha256Hex(q.source)])),
        embedding:
          h.embedding === null
            ? null
            : { provider: h.embedding.provider, model: h.embedding.model },
      }))
      .sort((a, b) => (a.graphId < b.graphId ? -1 : 1)),
  };
}

/** The model as the simulator drives it: the cluster commands, serve boot, and the engine. */
export function modelSystem(): System {
  return {
    validate: (ctx) => cluster.validate(ctx),
    apply: (ctx, actor) => cluster.apply(ctx, actor === undefined ? {} : { actor }),
    plan: (ctx) => cluster.plan(ctx),
    status: (ctx) => cluster.status(ctx),
    refresh: (ctx) => cluster.refresh(ctx),
    importState: (ctx) => cluster.importState(ctx),
    approve: (ctx, resource) => cluster.approve(ctx, resource, "sim-operator"),
    forceUnlock: (ctx, lockId) => cluster.forceUnlock(ctx, lockId),
    async boot(proc, opts): Promise<BootView> {
      const { result: r, registry } = await bootServerWithRegistry(proc, {
        strict: opts.strict,
        workTree: opts.workTree,
      });
      const diagnostics: Diag[] = r.diagnostics.map((d) => ({
        code: d.code,
        severity: d.severity,
        path: d.path,
        message: d.message,
      }));
      if (r.kind === "failed") {
        return {
          ok: false,
          ready: [],
          // The quarantines decided before the refusal: each must be explained on its own.
          quarantined: r.quarantined.map((q) => ({
            graphId: q.graph_id,
            code: q.code,
            reason: q.reason,
          })),
          failureCode: r.code,
          failureMessage: r.message,
          diagnostics,
        };
      }
      return {
        ok: true,
        ready: r.graphs.map((g) => g.graph_id).sort(),
        quarantined: r.quarantined.map((q) => ({
          graphId: q.graph_id,
          code: q.code,
          reason: q.reason,
        })),
        failureCode: null,
        diagnostics,
        ...(registry !== null ? { enforced: enforcedBy(registry) } : {}),
      };
    },
    branchCreate: (proc, root, branch) =>
      engineAction(root, async () =>
        (await openGraph(proc, root, "read_write")).createBranch(branch),
      ),
    branchDelete: (proc, root, branch) =>
      engineAction(root, async () =>
        (await openGraph(proc, root, "read_write")).deleteBranch(branch),
      ),
    insert: (proc, root, rows) =>
      engineAction(root, async () => {
        await (await openGraph(proc, root, "read_write")).insert(
          "Person",
          rows.map((r) => ({ ...r })),
        );
      }),
    seedRows: (proc, root, rows) =>
      engineAction(root, async () => {
        await (await openGraph(proc, root, "read_write")).insert(
          "Person",
          rows.map((r) => ({ ...r })),
        );
      }),
    async settle(snapshot, graphIds, defects) {
      const store = snapshot.clone();
      const world = World.simulated("settle", { store, trace: false, defects });
      installBackendProfile(world, profileOfStore(store));
      const proc = world.spawn("settle");
      const out: Record<string, Settled> = {};
      for (const g of graphIds) {
        const root = `graphs/${g}.omni`;
        if (!(await snapshot.exists(root))) {
          out[g] = { kind: "absent" };
          continue;
        }
        try {
          const graph = await openGraph(proc, root, "read_write");
          const rows = (await graph.rows("Person"))
            .map((r) => `${String(r.name)}:${String(r.age ?? "")}`)
            .sort();
          out[g] = { kind: "open", schemaDigest: graph.schemaDigest(), rows };
        } catch (e) {
          rethrowDeath(e);
          out[g] = { kind: "unopenable", error: e instanceof Error ? e.message : String(e) };
        }
      }
      return out;
    },
    openReadWrite: (proc, root) =>
      engineAction(root, async () => void (await openGraph(proc, root, "read_write"))),
  };
}

/** Two schema sources mean the same schema iff they compile to the same IR. */
export function sameSchema(a: string, b: string): boolean {
  const x = compileSchema(a);
  const y = compileSchema(b);
  return x.ok && y.ok && x.schema.irHash === y.schema.irHash;
}

/** What the engine's planner rejects a change from `live` to `desired` with (null: nothing). */
export function schemaRejection(live: string, desired: string): string | null {
  const from = compileSchema(live);
  const to = compileSchema(desired);
  if (!from.ok || !to.ok) return null;
  return planRejection(planMigration(from.schema, to.schema, { allowDataLoss: false }));
}

/**
 * Why serve's policy loader refuses a bundle for a scope (`graph.<id>`, or `cluster` for the
 * server's own), or null when it loads.
 */
export function bundleRefusal(text: string, scope: string): string | null {
  const loaded = scope.startsWith("graph.")
    ? PolicyEngine.loadGraph(text, scope.slice("graph.".length))
    : PolicyEngine.loadServer(text);
  return loaded.ok ? null : loaded.message;
}

/** The pure functions of the model that oracles compare with. */
export const modelOracleDeps = { sameSchema, schemaRejection, bundleRefusal } as const;
