/**
 * The rule helpers other parts of the guardrail use (the perimeter closure and the live readers read
 * customer-managed key settings the way the rules do). The helpers themselves live in `lib/`, grouped
 * by meaning; this module only re-exports the ones used outside the rules.
 */
export { isKeyVaultEncrypted, keyVaultUriOf } from "./lib/storage.js";
