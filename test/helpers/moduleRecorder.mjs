// Loaded with `node --import` (see registerModuleRecorder.mjs): appends the URL of every module the
// process resolves to the file named by NSPG_MODULE_LOG, so a test can tell what a command loads.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (process.env.NSPG_MODULE_LOG) appendFileSync(process.env.NSPG_MODULE_LOG, `${result.url}\n`);
  return result;
}
