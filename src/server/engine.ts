/**
 * The server's one door into the engine model, so the engine's API shape is bound in one
 * place. Boot opens graphs read-write (engine recovery may write, under the engine's own
 * step labels); requests only read.
 */
export { EngineError, isEngineError } from "../engine/errors.ts";
export {
  type CheckedQuery,
  type CompiledSchema,
  type Graph,
  openGraph,
  type Param,
  parseQueries,
  type QueryAst,
  runQuery,
  typecheckQuery,
} from "../engine/index.ts";
export { propTypeFromParamName } from "../engine/schema/types.ts";
