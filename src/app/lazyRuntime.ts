/**
 * The function files register their triggers at import (the host's cold start) and load the runtime,
 * with its Azure SDK clients, only when the first invocation needs it.
 */
import type { Runtime } from "./runtime.js";

export async function runtime(): Promise<Runtime> {
  const { getRuntime } = await import("./runtime.js");
  return getRuntime();
}
