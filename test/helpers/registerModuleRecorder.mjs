// `node --import ./test/helpers/registerModuleRecorder.mjs ...`: records resolved modules (moduleRecorder.mjs).
import { register } from "node:module";

register("./moduleRecorder.mjs", import.meta.url);
