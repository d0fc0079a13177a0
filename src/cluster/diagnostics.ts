import { z } from "zod";

export const DiagnosticSeveritySchema = z.enum(["error", "warning"]);
export type DiagnosticSeverity = z.infer<typeof DiagnosticSeveritySchema>;

/** A finding of a cluster command: data with a stable `code`, never an exception. */
export const DiagnosticSchema = z.strictObject({
  code: z.string(),
  severity: DiagnosticSeveritySchema,
  path: z.string(),
  message: z.string(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export function error(code: string, path: string, message: string): Diagnostic {
  return { code, severity: "error", path, message };
}

export function warning(code: string, path: string, message: string): Diagnostic {
  return { code, severity: "warning", path, message };
}

/** An operation is `ok` iff it produced no error; warnings never fail a command. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function countErrors(diagnostics: readonly Diagnostic[]): number {
  let n = 0;
  for (const d of diagnostics) if (d.severity === "error") n++;
  return n;
}

/** The text of a caught value, for embedding in a diagnostic message. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
