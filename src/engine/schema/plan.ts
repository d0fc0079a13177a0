import type { Annotation, Constraint } from "./ast.ts";
import type { CompiledSchema } from "./compile.ts";
import {
  constraintKey,
  type EdgeIR,
  type InterfaceIR,
  type NodeIR,
  type PropertyIR,
  type SchemaIR,
} from "./ir.ts";
import { type PropType, propTypeEquals } from "./types.ts";

export type SchemaTypeKind = "interface" | "node" | "edge";
/** Soft: catalog tombstone, data retained. Hard (`allowDataLoss`): old versions reclaimed. */
export type DropMode = "soft" | "hard";

/** One planned change; `kind` and field names follow upstream's serialised plan. */
export type MigrationStep =
  | { readonly kind: "add_type"; readonly type_kind: SchemaTypeKind; readonly name: string }
  | {
      readonly kind: "rename_type";
      readonly type_kind: SchemaTypeKind;
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly kind: "add_property";
      readonly type_kind: SchemaTypeKind;
      readonly type_name: string;
      readonly property_name: string;
      readonly property_type: PropType;
    }
  | {
      readonly kind: "rename_property";
      readonly type_kind: SchemaTypeKind;
      readonly type_name: string;
      readonly from: string;
      readonly to: string;
    }
  | {
      readonly kind: "add_constraint";
      readonly type_kind: SchemaTypeKind;
      readonly type_name: string;
      readonly constraint: Constraint;
    }
  | {
      readonly kind: "update_type_metadata";
      readonly type_kind: SchemaTypeKind;
      readonly name: string;
      readonly annotations: readonly Annotation[];
    }
  | {
      readonly kind: "update_property_metadata";
      readonly type_kind: SchemaTypeKind;
      readonly type_name: string;
      readonly property_name: string;
      readonly annotations: readonly Annotation[];
    }
  | {
      readonly kind: "drop_type";
      readonly type_kind: SchemaTypeKind;
      readonly name: string;
      readonly mode: DropMode;
    }
  | {
      readonly kind: "drop_property";
      readonly type_kind: SchemaTypeKind;
      readonly type_name: string;
      readonly property_name: string;
      readonly mode: DropMode;
    }
  | {
      readonly kind: "unsupported_change";
      readonly entity: string;
      readonly reason: string;
      /** A schema-lint code such as `OG-MF-103`, when upstream tags the rejection. */
      readonly code?: string;
    };

export type MigrationStepKind = MigrationStep["kind"];

export interface MigrationPlan {
  readonly supported: boolean;
  readonly steps: readonly MigrationStep[];
}

export interface PlanOptions {
  /** Promotes every soft drop to a hard one. */
  readonly allowDataLoss: boolean;
}

const V1 = "is not supported in schema migration v1";

/** The rejection text for an unsupported step: `[code] reason`, or just the reason. */
export function unsupportedMessage(step: MigrationStep): string | null {
  if (step.kind !== "unsupported_change") return null;
  return step.code === undefined ? step.reason : `[${step.code}] ${step.reason}`;
}

/** What the engine rejects an unsupported plan with: the first unsupported step's text. */
export function planRejection(plan: MigrationPlan): string | null {
  if (plan.supported) return null;
  for (const s of plan.steps) {
    const m = unsupportedMessage(s);
    if (m !== null) return m;
  }
  return "unsupported schema migration plan";
}

/**
 * Plans the migration from the accepted schema to the desired one (upstream's
 * `plan_schema_migration` plus `promote_drops_to_hard`): interfaces, then nodes, then
 * edges, each in the desired IR's (sorted) order.
 */
export function planMigration(
  from: CompiledSchema | SchemaIR,
  to: CompiledSchema | SchemaIR,
  opts: PlanOptions,
): MigrationPlan {
  const accepted = "ir" in from ? from.ir : from;
  const desired = "ir" in to ? to.ir : to;
  const steps: MigrationStep[] = [];
  planInterfaces(accepted.interfaces, desired.interfaces, steps);
  const nodeRenames = planNodes(accepted.nodes, desired.nodes, steps);
  planEdges(accepted.edges, desired.edges, nodeRenames, steps);
  const mode: DropMode = opts.allowDataLoss ? "hard" : "soft";
  const promoted = steps.map((s) =>
    s.kind === "drop_type" || s.kind === "drop_property" ? { ...s, mode } : s,
  );
  return {
    supported: !promoted.some((s) => s.kind === "unsupported_change"),
    steps: promoted,
  };
}

function renameFrom(anns: readonly Annotation[]): string | null {
  return anns.find((a) => a.name === "rename_from")?.value ?? null;
}

/** Matches a desired entity to an accepted one by name, else by its `@rename_from`. */
function match<T extends { name: string }>(
  accepted: ReadonlyMap<string, T>,
  desired: { name: string; annotations: readonly Annotation[] },
): { existing: T | undefined; renameFrom: string | null } {
  const from = renameFrom(desired.annotations);
  const same = accepted.get(desired.name);
  if (same !== undefined) return { existing: same, renameFrom: from };
  if (from !== null) {
    const cand = accepted.get(from);
    if (cand !== undefined && cand.name !== desired.name)
      return { existing: cand, renameFrom: from };
  }
  return { existing: undefined, renameFrom: from };
}

function planInterfaces(
  accepted: readonly InterfaceIR[],
  desired: readonly InterfaceIR[],
  steps: MigrationStep[],
): void {
  const byName = new Map(accepted.map((i) => [i.name, i]));
  const consumed = new Set<string>();
  for (const i of desired) {
    const existing = byName.get(i.name);
    if (existing !== undefined) {
      consumed.add(existing.name);
      planProperties("interface", i.name, existing.properties, i.properties, steps);
      continue;
    }
    steps.push({ kind: "add_type", type_kind: "interface", name: i.name });
  }
  for (const left of accepted) {
    if (consumed.has(left.name)) continue;
    steps.push({
      kind: "unsupported_change",
      entity: `interface:${left.name}`,
      reason: `removing interface '${left.name}' ${V1}`,
    });
  }
}

function planNodes(
  accepted: readonly NodeIR[],
  desired: readonly NodeIR[],
  steps: MigrationStep[],
): Map<string, string> {
  const byName = new Map(accepted.map((n) => [n.name, n]));
  const consumed = new Set<string>();
  const renames = new Map<string, string>();
  for (const n of desired) {
    const { existing, renameFrom: from } = match(byName, n);
    if (existing === undefined) {
      steps.push(
        from !== null
          ? {
              kind: "unsupported_change",
              entity: `node:${n.name}`,
              reason: `node '${n.name}' declares @rename_from("${from}") but no accepted node with that name exists`,
            }
          : { kind: "add_type", type_kind: "node", name: n.name },
      );
      continue;
    }
    consumed.add(existing.name);
    if (existing.name !== n.name) {
      renames.set(existing.name, n.name);
      steps.push({ kind: "rename_type", type_kind: "node", from: existing.name, to: n.name });
    }
    // Interfaces cannot be renamed, so the accepted set compares as is.
    if (!sameSet(existing.implements, n.implements)) {
      steps.push({
        kind: "unsupported_change",
        entity: `node:${n.name}`,
        reason: `changing implemented interfaces on node '${n.name}' ${V1}`,
      });
    }
    planTypeMetadata("node", n.name, existing.annotations, n.annotations, steps);
    const propRenames = planProperties("node", n.name, existing.properties, n.properties, steps);
    planConstraints("node", n.name, existing.constraints, n.constraints, propRenames, steps);
  }
  for (const left of accepted) {
    if (consumed.has(left.name)) continue;
    steps.push({ kind: "drop_type", type_kind: "node", name: left.name, mode: "soft" });
  }
  return renames;
}

function planEdges(
  accepted: readonly EdgeIR[],
  desired: readonly EdgeIR[],
  nodeRenames: ReadonlyMap<string, string>,
  steps: MigrationStep[],
): void {
  const byName = new Map(accepted.map((e) => [e.name, e]));
  const consumed = new Set<string>();
  for (const e of desired) {
    const { existing, renameFrom: from } = match(byName, e);
    if (existing === undefined) {
      steps.push(
        from !== null
          ? {
              kind: "unsupported_change",
              entity: `edge:${e.name}`,
              reason: `edge '${e.name}' declares @rename_from("${from}") but no accepted edge with that name exists`,
            }
          : { kind: "add_type", type_kind: "edge", name: e.name },
      );
      continue;
    }
    consumed.add(existing.name);
    if (existing.name !== e.name) {
      steps.push({ kind: "rename_type", type_kind: "edge", from: existing.name, to: e.name });
    }
    const fromT = nodeRenames.get(existing.from_type) ?? existing.from_type;
    const toT = nodeRenames.get(existing.to_type) ?? existing.to_type;
    if (fromT !== e.from_type || toT !== e.to_type) {
      steps.push({
        kind: "unsupported_change",
        entity: `edge:${e.name}`,
        reason: `changing edge endpoints on '${e.name}' ${V1}`,
      });
    }
    if (
      existing.cardinality.min !== e.cardinality.min ||
      existing.cardinality.max !== e.cardinality.max
    ) {
      steps.push({
        kind: "unsupported_change",
        entity: `edge:${e.name}`,
        reason: `changing cardinality on edge '${e.name}' ${V1}`,
      });
    }
    planTypeMetadata("edge", e.name, existing.annotations, e.annotations, steps);
    const propRenames = planProperties("edge", e.name, existing.properties, e.properties, steps);
    planConstraints("edge", e.name, existing.constraints, e.constraints, propRenames, steps);
  }
  for (const left of accepted) {
    if (consumed.has(left.name)) continue;
    steps.push({ kind: "drop_type", type_kind: "edge", name: left.name, mode: "soft" });
  }
}

function planProperties(
  kind: SchemaTypeKind,
  typeName: string,
  accepted: readonly PropertyIR[],
  desired: readonly PropertyIR[],
  steps: MigrationStep[],
): Map<string, string> {
  const byName = new Map(accepted.map((p) => [p.name, p]));
  const consumed = new Set<string>();
  const renames = new Map<string, string>();
  for (const p of desired) {
    const entity = `${kind}:${typeName}.${p.name}`;
    const { existing, renameFrom: from } = match(byName, p);
    if (existing === undefined) {
      if (from !== null) {
        steps.push({
          kind: "unsupported_change",
          entity,
          reason: `property '${typeName}.${p.name}' declares @rename_from("${from}") but no accepted property with that name exists`,
        });
      } else if (p.prop_type.nullable) {
        steps.push({
          kind: "add_property",
          type_kind: kind,
          type_name: typeName,
          property_name: p.name,
          property_type: p.prop_type,
        });
      } else {
        steps.push({
          kind: "unsupported_change",
          entity,
          reason: `adding required property '${typeName}.${p.name}' requires a backfill and ${V1}`,
          code: "OG-MF-103",
        });
      }
      continue;
    }
    consumed.add(existing.name);
    if (existing.name !== p.name) {
      renames.set(existing.name, p.name);
      steps.push({
        kind: "rename_property",
        type_kind: kind,
        type_name: typeName,
        from: existing.name,
        to: p.name,
      });
    }
    if (!propTypeEquals(existing.prop_type, p.prop_type)) {
      steps.push({
        kind: "unsupported_change",
        entity,
        reason: `changing property type for '${typeName}.${p.name}' ${V1}`,
        code: "OG-MF-106",
      });
    }
    const change = annotationChange(existing.annotations, p.annotations);
    if (change.kind === "metadata") {
      steps.push({
        kind: "update_property_metadata",
        type_kind: kind,
        type_name: typeName,
        property_name: p.name,
        annotations: change.annotations,
      });
    } else if (change.kind === "unsupported") {
      steps.push({ kind: "unsupported_change", entity, reason: change.reason });
    }
  }
  for (const left of accepted) {
    if (consumed.has(left.name)) continue;
    steps.push({
      kind: "drop_property",
      type_kind: kind,
      type_name: typeName,
      property_name: left.name,
      mode: "soft",
    });
  }
  return renames;
}

function renameColumns(c: Constraint, renames: ReadonlyMap<string, string>): Constraint {
  const r = (x: string) => renames.get(x) ?? x;
  const cols = (xs: readonly string[]) => xs.map(r).sort();
  if ("Key" in c) return { Key: cols(c.Key) };
  if ("Unique" in c) return { Unique: cols(c.Unique) };
  if ("Index" in c) return { Index: cols(c.Index) };
  if ("Range" in c) return { Range: { ...c.Range, property: r(c.Range.property) } };
  return { Check: { ...c.Check, property: r(c.Check.property) } };
}

function planConstraints(
  kind: SchemaTypeKind,
  typeName: string,
  accepted: readonly Constraint[],
  desired: readonly Constraint[],
  propRenames: ReadonlyMap<string, string>,
  steps: MigrationStep[],
): void {
  const acceptedKeys = new Set(accepted.map((c) => constraintKey(renameColumns(c, propRenames))));
  const desiredMap = new Map<string, Constraint>();
  for (const c of desired) desiredMap.set(constraintKey(c), c);
  if ([...acceptedKeys].some((k) => !desiredMap.has(k))) {
    steps.push({
      kind: "unsupported_change",
      entity: `${kind}:${typeName}`,
      reason: `removing constraints from '${typeName}' ${V1}`,
    });
  }
  for (const key of [...desiredMap.keys()].sort()) {
    if (acceptedKeys.has(key)) continue;
    const c = desiredMap.get(key) as Constraint;
    if ("Index" in c) {
      steps.push({ kind: "add_constraint", type_kind: kind, type_name: typeName, constraint: c });
    } else {
      steps.push({
        kind: "unsupported_change",
        entity: `${kind}:${typeName}`,
        reason: `adding constraint '${key}' to '${typeName}' ${V1}`,
      });
    }
  }
}

function planTypeMetadata(
  kind: SchemaTypeKind,
  name: string,
  accepted: readonly Annotation[],
  desired: readonly Annotation[],
  steps: MigrationStep[],
): void {
  const change = annotationChange(accepted, desired);
  if (change.kind === "metadata") {
    steps.push({
      kind: "update_type_metadata",
      type_kind: kind,
      name,
      annotations: change.annotations,
    });
  } else if (change.kind === "unsupported") {
    steps.push({ kind: "unsupported_change", entity: `${kind}:${name}`, reason: change.reason });
  }
}

const NOT_COMPARED = ["description", "instruction", "rename_from", "key", "unique", "index"];
const METADATA = ["description", "instruction"];

type AnnotationChange =
  | { kind: "none" }
  | { kind: "metadata"; annotations: Annotation[] }
  | { kind: "unsupported"; reason: string };

function annotationChange(
  accepted: readonly Annotation[],
  desired: readonly Annotation[],
): AnnotationChange {
  const other = (xs: readonly Annotation[]) => xs.filter((a) => !NOT_COMPARED.includes(a.name));
  if (!sameAnnotations(other(accepted), other(desired))) {
    return {
      kind: "unsupported",
      reason: `changing annotations beyond @description/@instruction ${V1}`,
    };
  }
  const meta = (xs: readonly Annotation[]) => xs.filter((a) => METADATA.includes(a.name));
  const d = meta(desired);
  return sameAnnotations(meta(accepted), d)
    ? { kind: "none" }
    : { kind: "metadata", annotations: d };
}

function sameAnnotations(a: readonly Annotation[], b: readonly Annotation[]): boolean {
  const key = (x: Annotation) =>
    JSON.stringify([x.name, x.value, Object.entries(x.kwargs ?? {}).sort()]);
  return a.length === b.length && a.every((x, i) => key(x) === key(b[i] as Annotation));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}
