/**
 * The engine model's public surface: graph roots (init, open, recovery), schema apply, the
 * `.pg` and `.gq` languages, and errors as data with stable codes.
 */
export type { GraphContext, OpenMode, PolicyAction, PolicyChecker } from "./context.ts";
export {
  ENGINE_ERROR_CODES,
  EngineError,
  type EngineErrorCode,
  isEngineError,
} from "./errors.ts";
export type { ActorOptions, Graph } from "./graph.ts";
export { initGraph } from "./init.ts";
export type { PositionedError } from "./lang/cursor.ts";
export * as layout from "./layout.ts";
export { type OpenOptions, openGraph } from "./open.ts";
export type {
  AggFunc,
  Clause,
  CompOp,
  Expr,
  Literal,
  MatchValue,
  Mutation,
  Ordering,
  Param,
  Projection,
  QueryAst,
  QueryFile,
} from "./query/ast.ts";
export { parseQueries, type QueryParse } from "./query/parser.ts";
export { type RunOptions, runQuery } from "./query/run.ts";
export {
  type CheckedQuery,
  columnName,
  type TypecheckResult,
  typecheckQuery,
} from "./query/typecheck.ts";
export { Snapshot } from "./read.ts";
export type { SidecarDecision, TableClassification } from "./recovery/sweep.ts";
export { classifyTable, decide } from "./recovery/sweep.ts";
export type { Annotation, Cardinality, Constraint, SchemaDecl, SchemaFile } from "./schema/ast.ts";
export type { Catalog, EdgeType, NodeType } from "./schema/catalog.ts";
export {
  type CompiledSchema,
  compileSchema,
  compileSchemaFile,
  type SchemaCompile,
  type SchemaCompileError,
} from "./schema/compile.ts";
export { type SchemaIR, schemaIrHash } from "./schema/ir.ts";
export { parseSchema, type SchemaParse } from "./schema/parser.ts";
export {
  type DropMode,
  type MigrationPlan,
  type MigrationStep,
  type MigrationStepKind,
  type PlanOptions,
  planMigration,
  planRejection,
  type SchemaTypeKind,
  unsupportedMessage,
} from "./schema/plan.ts";
export { displayName, type PropType, propTypeFromParamName } from "./schema/types.ts";
export type { ApplyOptions, SchemaApplyResult } from "./schemaApply/apply.ts";
export type { SchemaApplyOptions, SchemaApplyPreview } from "./schemaApply/preview.ts";
