import { writeFile } from "node:fs/promises";
import { InputError } from "../model/errors.js";

/** Writes a finished report to `--output FILE` or stdout; nothing is written before the report is whole. */
export async function emit(text: string, outputFile: string | undefined): Promise<void> {
  if (!outputFile) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(outputFile, text, "utf8");
  } catch (error) {
    throw new InputError(`${outputFile}: cannot write output: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
