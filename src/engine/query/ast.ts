/** The `.gq` query language: a file declares one or more named queries. */
export interface QueryFile {
  readonly queries: readonly QueryAst[];
}

export interface QueryAst {
  readonly name: string;
  readonly description: string | null;
  readonly instruction: string | null;
  readonly params: readonly Param[];
  /** Empty for a mutation query. */
  readonly match: readonly Clause[];
  readonly returns: readonly Projection[];
  readonly order: readonly Ordering[];
  readonly limit: number | null;
  /** Non-empty exactly for mutation queries. */
  readonly mutations: readonly Mutation[];
  readonly offset: number;
}

export interface Param {
  readonly name: string;
  /** As written: `String`, `[I32]`, `Vector(4)`. */
  readonly typeName: string;
  readonly nullable: boolean;
}

export type Clause =
  | {
      readonly kind: "binding";
      readonly variable: string;
      readonly typeName: string;
      readonly props: readonly PropMatch[];
    }
  | {
      readonly kind: "traversal";
      readonly src: string;
      readonly edge: string;
      readonly dst: string;
      readonly minHops: number;
      readonly maxHops: number | null;
    }
  | { readonly kind: "filter"; readonly left: Expr; readonly op: CompOp; readonly right: Expr }
  | { readonly kind: "negation"; readonly clauses: readonly Clause[] };

export interface PropMatch {
  readonly prop: string;
  readonly value: MatchValue;
}

export type MatchValue =
  | { readonly kind: "literal"; readonly value: Literal }
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "now" };

export type CompOp = "=" | "!=" | ">" | "<" | ">=" | "<=" | "contains";

export type AggFunc = "count" | "sum" | "avg" | "min" | "max";

export type Expr =
  | { readonly kind: "now" }
  | { readonly kind: "prop"; readonly variable: string; readonly property: string }
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "literal"; readonly value: Literal }
  | { readonly kind: "aggregate"; readonly func: AggFunc; readonly arg: Expr }
  | { readonly kind: "alias"; readonly name: string };

export type Literal =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "date"; readonly value: string }
  | { readonly kind: "datetime"; readonly value: string }
  | { readonly kind: "list"; readonly items: readonly Literal[] };

export interface Projection {
  readonly expr: Expr;
  readonly alias: string | null;
}

export interface Ordering {
  readonly expr: Expr;
  readonly descending: boolean;
}

export type Mutation =
  | {
      readonly kind: "insert";
      readonly typeName: string;
      readonly assignments: readonly Assignment[];
    }
  | {
      readonly kind: "update";
      readonly typeName: string;
      readonly assignments: readonly Assignment[];
      readonly where: Predicate;
    }
  | { readonly kind: "delete"; readonly typeName: string; readonly where: Predicate };

export interface Assignment {
  readonly property: string;
  readonly value: MatchValue;
}

export interface Predicate {
  readonly property: string;
  readonly op: Exclude<CompOp, "contains">;
  readonly value: MatchValue;
}
