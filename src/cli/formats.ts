/**
 * The values of the CLI's enumerated options, in a module with no dependency: main.ts declares every
 * command from them without loading any command's code (`--version` and `--help` stay fast).
 */
export const SCAN_FORMATS = ["table", "json", "sarif", "markdown", "html"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];
export const FAIL_ON = ["critical", "high", "medium", "low", "info", "none"] as const;
export const REPLAY_FORMATS = ["json", "table"] as const;
export const RULES_FORMATS = ["table", "json", "markdown"] as const;
export type RulesFormat = (typeof RULES_FORMATS)[number];
export const UNDO_FORMATS = ["json", "table"] as const;
export const SIMULATE_FORMATS = ["table", "json"] as const;
export const FAULT_LEVELS = ["none", "default", "heavy"] as const;
export const READINESS_FORMATS = ["table", "json", "markdown", "html", "sarif"] as const;
export const EVENT_SCHEMAS = ["EventGridSchema", "CloudEventSchemaV1_0"] as const;
