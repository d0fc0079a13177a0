import { z } from "zod";
import { isFailpointName } from "../../src/catalog/failpoints.ts";

/**
 * Schema pieces shared by the scenario file format and the operations (../ops) that declare
 * their own step fields: kept apart from schema.ts, which assembles the operations, so an
 * operation never imports the module that imports it.
 */
export const graphId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "a graph id: a letter or _, then letters, digits, _ or -");

export const FailpointNameSchema = z.string().refine(isFailpointName, {
  message: "unknown failpoint (see `pnpm sim catalog`)",
});
