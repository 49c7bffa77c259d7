// Types of bicep.mjs for the TypeScript that imports it (the tests).
export interface Diagnostic {
  /** Relative to the repository root. */
  file: string;
  line: number;
  column: number;
  level: "Error" | "Warning" | "Info";
  /** BCP037, no-unused-params, ... */
  code: string;
  message: string;
}
export interface Compilation {
  /** `bicep --version`: "Bicep CLI version 0.49.2 (...)". */
  version: string;
  diagnostics: Diagnostic[];
  /** The ARM JSON of infra/main.bicep; undefined when it did not compile. */
  templateText: string | undefined;
  /** Each template of COMPILED_TEMPLATES: its source (relative to infra/), compiled file (relative to the repository root) and ARM JSON (undefined: it did not compile). */
  templates: { source: string; compiled: string; text: string | undefined }[];
  /** The parameters main.bicepparam compiles to with SAMPLE_ENVIRONMENT (name: { value }). */
  parameters: Record<string, { value: unknown }> | undefined;
  /** The parameters management-group.bicepparam compiles to with MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT. */
  managementGroupParameters: Record<string, { value: unknown }> | undefined;
}
export const INFRA_DIR: string;
export const COMPILED_TEMPLATE: string;
export const COMPILED_TEMPLATES: readonly { source: string; compiled: string }[];
export const SAMPLE_ENVIRONMENT: Readonly<Record<string, string>>;
export const MANAGEMENT_GROUP_SAMPLE_ENVIRONMENT: Readonly<Record<string, string>>;
export function pinnedVersion(): string;
export function compilerPath(): string;
export function whyUnavailable(): string | undefined;
export function obtainCompiler(): { path: string } | { unavailable: string };
export function parseDiagnostics(text: string): Diagnostic[];
export function compileInfra(compiler: string, options?: { write?: boolean }): Compilation;
export function buildParameters(compiler: string, environment: Record<string, string>): { parameters: Record<string, { value: unknown }> | undefined; diagnostics: Diagnostic[] };
export function committedTemplateText(path?: string): string | undefined;
