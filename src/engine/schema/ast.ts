import type { PropType } from "./types.ts";

/** The parsed `.pg` file, after interface resolution and constraint desugaring. */
export interface SchemaFile {
  readonly declarations: readonly SchemaDecl[];
}

export type SchemaDecl = InterfaceDecl | NodeDecl | EdgeDecl;

export interface InterfaceDecl {
  readonly kind: "interface";
  readonly name: string;
  readonly properties: readonly PropDecl[];
  readonly offset: number;
}

export interface NodeDecl {
  readonly kind: "node";
  readonly name: string;
  readonly annotations: readonly Annotation[];
  readonly implements: readonly string[];
  readonly properties: readonly PropDecl[];
  readonly constraints: readonly Constraint[];
  readonly offset: number;
}

export interface EdgeDecl {
  readonly kind: "edge";
  readonly name: string;
  readonly from_type: string;
  readonly to_type: string;
  readonly cardinality: Cardinality;
  readonly annotations: readonly Annotation[];
  readonly properties: readonly PropDecl[];
  readonly constraints: readonly Constraint[];
  readonly offset: number;
}

export interface PropDecl {
  readonly name: string;
  readonly prop_type: PropType;
  readonly annotations: readonly Annotation[];
  readonly offset: number;
}

export interface Annotation {
  readonly name: string;
  readonly value: string | null;
  /** `model="…"` style keyword arguments; absent (never empty) in the persisted IR. */
  readonly kwargs?: Readonly<Record<string, string>>;
}

/** Upstream serialises bounds as `{"Integer": n}` / `{"Float": x}`. */
export type ConstraintBound = { readonly Integer: number } | { readonly Float: number };

export type Constraint =
  | { readonly Key: readonly string[] }
  | { readonly Unique: readonly string[] }
  | { readonly Index: readonly string[] }
  | {
      readonly Range: {
        readonly property: string;
        readonly min: ConstraintBound | null;
        readonly max: ConstraintBound | null;
      };
    }
  | { readonly Check: { readonly property: string; readonly pattern: string } };

export interface Cardinality {
  readonly min: number;
  readonly max: number | null;
}
