/**
 * Bad input from a user (CLI arguments, scenario files, saved reports): a clear message and
 * exit code 2, never a stack trace.
 */
export class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "InputError";
  }
}
