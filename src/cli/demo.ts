import { createRequire } from "node:module";
import { InputError } from "../model/errors.js";

export interface DemoCliOptions {
  port?: number;
  keep?: boolean;
}

/**
 * What the demo needs beyond the app: a local Azurite, SMTP receiver and mail parser, and the Adaptive
 * Cards renderer for its page. They are development dependencies (the deployed app never ships
 * them), so they are looked for at run time: a clone after `npm ci` has them, an install without
 * development dependencies says what is missing.
 */
export const DEMO_PACKAGES = ["azurite", "smtp-server", "mailparser", "adaptivecards"] as const;

export function missingDemoPackages(resolve: (name: string) => string = createRequire(import.meta.url).resolve): string[] {
  return DEMO_PACKAGES.filter((name) => {
    for (const request of [`${name}/package.json`, name]) {
      try {
        resolve(request);
        return false;
      } catch {
        // try the next form: some packages export neither
      }
    }
    return true;
  });
}

export async function runDemoCommand(options: DemoCliOptions, resolve?: (name: string) => string): Promise<number> {
  const missing = missingDemoPackages(resolve);
  if (missing.length > 0) {
    throw new InputError(
      `demo: needs ${missing.join(", ")} (development dependencies, not part of the app): run it from a clone after \`npm ci\` (\`npm start\`), ` +
        `or install them here with \`npm install --no-save ${missing.join(" ")}\``,
    );
  }
  const { runDemo } = await import("../demo/demo.js");
  const result = await runDemo({ ...(options.port ? { port: options.port } : {}), ...(options.keep ? { keep: true } : {}) });
  return result.exitCode;
}
