/**
 * What the CLI says on stderr besides errors: `note` (summaries, warnings; silenced by `--quiet`)
 * and `detail` (what was read and how long it took; shown with `--verbose`). Errors are not routed
 * here: they are always printed, as one `nsp-guardrail:` line (main.ts).
 */
export type Verbosity = "quiet" | "normal" | "verbose";

let verbosity: Verbosity = "normal";

export function setVerbosity(level: Verbosity): void {
  verbosity = level;
}

export function note(line: string): void {
  if (verbosity !== "quiet") process.stderr.write(`${line}\n`);
}

export function detail(line: string): void {
  if (verbosity === "verbose") process.stderr.write(`${line}\n`);
}
