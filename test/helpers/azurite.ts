/** Real Azurite for tests: the same starter the demo uses. */
export { startAzurite, AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, type AzuriteInstance, type StartAzuriteOptions } from "../../src/demo/azurite.js";
