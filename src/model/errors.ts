/**
 * Bad input from a user (snapshot, policy, timeline, flags). The message names the file and the
 * field; the CLI prints it as one line and exits 2.
 */
export class InputError extends Error {
  override readonly name = "InputError";
}

/** ARM could not be reached or refused us; the CLI exits 3. */
export class ArmUnavailableError extends Error {
  override readonly name = "ArmUnavailableError";
}

/** HTTP status of an Azure SDK error (`RestError.statusCode`), when it carries one. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}
