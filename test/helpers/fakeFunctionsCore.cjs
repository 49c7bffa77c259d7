// Stands in for the Azure Functions host's core module (`@azure/functions-core`), which the host
// provides at run time: records what the app registers so that tests can check triggers and bindings.
const registered = [];
module.exports = {
  version: "3.10.0",
  registered,
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata, callback) {
    registered.push({ metadata, callback });
    return { dispose() {} };
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
};
