import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues, sortedEntries, zMap } from "../cluster/records/zodText.ts";
import { sha256Hex } from "../util/digest.ts";
import type { Fallible } from "../util/fallible.ts";
import { memoByText } from "../util/memo.ts";

/**
 * The server's policy bundle format (upstream crate omnigraph-policy), reduced to what the
 * model serves: groups of actors, rules that allow actions, and branch scopes. Upstream
 * compiles each rule into a Cedar `permit`; every such permit is a plain conjunction of
 * "actor in group", "action is one of", and a branch-scope test, so evaluating the rules
 * directly decides exactly what the Cedar policies would.
 */
export const POLICY_ACTIONS = [
  "read",
  "export",
  "change",
  "schema_apply",
  "branch_create",
  "branch_delete",
  "branch_merge",
  "admin",
  "graph_list",
  "invoke_query",
] as const;
export const PolicyActionSchema = z.enum(POLICY_ACTIONS);
export type PolicyAction = z.infer<typeof PolicyActionSchema>;

export const BranchScopeSchema = z.enum(["any", "protected", "unprotected"]);
export type BranchScope = z.infer<typeof BranchScopeSchema>;

// Upstream's serde structs do not deny unknown fields (tests tag server bundles with
// `kind: server`), so these objects strip rather than refuse extra keys.
const RuleSchema = z.object({
  id: z.string(),
  allow: z.object({
    actors: z.object({ group: z.string() }),
    actions: z.array(PolicyActionSchema),
    branch_scope: BranchScopeSchema.nullish(),
    target_branch_scope: BranchScopeSchema.nullish(),
  }),
});

export const PolicyConfigSchema = z.object({
  version: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  groups: zMap(z.array(z.string())).optional(),
  protected_branches: z.array(z.string()).optional(),
  rules: z.array(RuleSchema).optional(),
});

export interface PolicyRule {
  readonly id: string;
  readonly group: string;
  readonly actions: readonly PolicyAction[];
  readonly branchScope: BranchScope | null;
  readonly targetBranchScope: BranchScope | null;
}

export interface PolicyConfig {
  readonly version: number;
  /** Sorted by group name, as upstream's BTreeMap holds them. */
  readonly groups: ReadonlyArray<readonly [string, readonly string[]]>;
  readonly protectedBranches: readonly string[];
  readonly rules: readonly PolicyRule[];
}

export type PolicyKind = "graph" | "server";

export function actionIsServerScoped(action: PolicyAction): boolean {
  return action === "graph_list";
}

function usesBranchScope(a: PolicyAction): boolean {
  return a === "read" || a === "export" || a === "change";
}

function usesTargetBranchScope(a: PolicyAction): boolean {
  return (
    a === "branch_create" || a === "schema_apply" || a === "branch_delete" || a === "branch_merge"
  );
}

type Parsed<T> = Fallible<T>;

/** Decodes and validates a bundle's YAML text, with upstream's validation messages. */
export function parsePolicyConfig(source: string): Parsed<PolicyConfig> {
  return parsePolicyText(source);
}

/** A pure function of the text: remembered by content, the value frozen. */
const parsePolicyText = memoByText((source: string): Parsed<PolicyConfig> => {
  let value: unknown;
  try {
    value = parseYaml(source);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const parsed = PolicyConfigSchema.safeParse(value ?? undefined, { reportInput: true });
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error.issues) };
  const p = parsed.data;
  const config: PolicyConfig = {
    version: p.version,
    groups: sortedEntries(p.groups ?? new Map<string, string[]>()),
    protectedBranches: p.protected_branches ?? [],
    rules: (p.rules ?? []).map((r) => ({
      id: r.id,
      group: r.allow.actors.group,
      actions: r.allow.actions,
      branchScope: r.allow.branch_scope ?? null,
      targetBranchScope: r.allow.target_branch_scope ?? null,
    })),
  };
  const invalid = validatePolicyConfig(config);
  return invalid === null ? { ok: true, value: config } : { ok: false, message: invalid };
});

function validatePolicyConfig(c: PolicyConfig): string | null {
  if (c.version !== 1) return "policy version must be 1";
  for (const [group, members] of c.groups) {
    if (group.trim() === "") return "policy group names must not be blank";
    if (members.length === 0) return `policy group '${group}' must not be empty`;
    if (members.some((m) => m.trim() === "")) {
      return `policy group '${group}' contains a blank actor id`;
    }
  }
  if (c.protectedBranches.some((b) => b.trim() === "")) {
    return "protected branch names must not be blank";
  }
  const groups = new Set(c.groups.map(([g]) => g));
  const seen = new Set<string>();
  for (const rule of c.rules) {
    if (rule.id.trim() === "") return "policy rule ids must not be blank";
    if (seen.has(rule.id)) return `duplicate policy rule id '${rule.id}'`;
    seen.add(rule.id);
    if (rule.group.trim() === "") {
      return `policy rule '${rule.id}' must reference a non-blank group`;
    }
    if (!groups.has(rule.group)) {
      return `policy rule '${rule.id}' references unknown group '${rule.group}'`;
    }
    if (rule.actions.length === 0) {
      return `policy rule '${rule.id}' must include at least one action`;
    }
    if (rule.branchScope !== null && rule.targetBranchScope !== null) {
      return `policy rule '${rule.id}' may specify branch_scope or target_branch_scope, not both`;
    }
    if (rule.branchScope !== null) {
      const bad = rule.actions.find((a) => !usesBranchScope(a));
      if (bad !== undefined) {
        return `policy rule '${rule.id}' uses branch_scope with unsupported action '${bad}'`;
      }
    }
    if (rule.targetBranchScope !== null) {
      const bad = rule.actions.find((a) => !usesTargetBranchScope(a));
      if (bad !== undefined) {
        return `policy rule '${rule.id}' uses target_branch_scope with unsupported action '${bad}'`;
      }
    }
    const server = rule.actions.some(actionIsServerScoped);
    const graph = rule.actions.some((a) => !actionIsServerScoped(a));
    if (server && graph) {
      return `policy rule '${rule.id}' mixes the server-scoped action \`graph_list\` with per-graph actions; split into separate rules`;
    }
    if (server && (rule.branchScope !== null || rule.targetBranchScope !== null)) {
      return `policy rule '${rule.id}' uses branch_scope/target_branch_scope with a server-scoped action; server-scoped actions have no branch context`;
    }
  }
  return null;
}

function kindAlignmentError(c: PolicyConfig, kind: PolicyKind): string | null {
  for (const rule of c.rules) {
    for (const action of rule.actions) {
      const server = actionIsServerScoped(action);
      if (server === (kind === "server")) continue;
      const got = server ? "server-scoped" : "per-graph";
      const file = server ? "server policy file" : "per-graph policy file";
      const shown = kind === "server" ? "Server" : "Graph";
      return `policy rule '${rule.id}' uses ${got} action '${action}' in a ${shown} policy file; move it to a ${file}`;
    }
  }
  return null;
}

export interface PolicyRequest {
  readonly action: PolicyAction;
  readonly branch: string | null;
  readonly targetBranch: string | null;
}

export interface PolicyDecision {
  readonly allowed: boolean;
  readonly matchedRuleId: string | null;
  readonly message: string;
}

function scopeHolds(
  scope: BranchScope | null,
  branch: string | null,
  protectedSet: ReadonlySet<string>,
): boolean {
  switch (scope) {
    case null:
    case "any":
      return true;
    case "protected":
      return branch !== null && protectedSet.has(branch);
    case "unprotected":
      return branch !== null && !protectedSet.has(branch);
  }
}

/** A loaded bundle bound to one scope: a graph, or the server's management surface. */
export class PolicyEngine {
  private readonly groupsOf: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly protectedBranches: ReadonlySet<string>;

  private constructor(
    readonly kind: PolicyKind,
    readonly scopeId: string,
    private readonly config: PolicyConfig,
    /** sha256 of the bundle text it was loaded from: which recorded bundle is in force. */
    readonly sourceDigest: string,
  ) {
    const groupsOf = new Map<string, Set<string>>();
    for (const [group, members] of config.groups) {
      for (const actor of members) {
        const set = groupsOf.get(actor) ?? new Set<string>();
        set.add(group);
        groupsOf.set(actor, set);
      }
    }
    this.groupsOf = groupsOf;
    this.protectedBranches = new Set(config.protectedBranches);
  }

  static load(source: string, kind: PolicyKind, scopeId: string): Parsed<PolicyEngine> {
    const parsed = parsePolicyConfig(source);
    if (!parsed.ok) return parsed;
    const misaligned = kindAlignmentError(parsed.value, kind);
    if (misaligned !== null) return { ok: false, message: misaligned };
    return { ok: true, value: new PolicyEngine(kind, scopeId, parsed.value, sha256Hex(source)) };
  }

  static loadGraph(source: string, graphId: string): Parsed<PolicyEngine> {
    return PolicyEngine.load(source, "graph", graphId);
  }

  static loadServer(source: string): Parsed<PolicyEngine> {
    // Upstream's sentinel id for the singleton server resource.
    return PolicyEngine.load(source, "server", "root");
  }

  authorize(actor: string, req: PolicyRequest): PolicyDecision {
    const groups = this.groupsOf.get(actor);
    if (groups === undefined) {
      return {
        allowed: false,
        matchedRuleId: null,
        message: `policy denied action '${req.action}' for unknown actor '${actor}'`,
      };
    }
    // A rule's permit only ever targets the resource kind of its action, so a request for
    // the other kind of resource can never match it.
    const matched = this.config.rules
      .filter(
        (r) =>
          groups.has(r.group) &&
          r.actions.includes(req.action) &&
          scopeHolds(r.branchScope, req.branch, this.protectedBranches) &&
          scopeHolds(r.targetBranchScope, req.targetBranch, this.protectedBranches),
      )
      .map((r) => r.id)
      .sort();
    const first = matched[0];
    if (first !== undefined) {
      return {
        allowed: true,
        matchedRuleId: first,
        message: `policy allowed action '${req.action}' for actor '${actor}'`,
      };
    }
    const on = req.branch !== null ? ` on branch '${req.branch}'` : "";
    const targeting = req.targetBranch !== null ? ` targeting branch '${req.targetBranch}'` : "";
    return {
      allowed: false,
      matchedRuleId: null,
      message: `policy denied action '${req.action}'${on}${targeting} for actor '${actor}'`,
    };
  }
}
