import { runDemo } from "../demo/demo.js";

export interface DemoCliOptions {
  port?: number;
  keep?: boolean;
}

export async function runDemoCommand(options: DemoCliOptions): Promise<number> {
  const result = await runDemo({ ...(options.port ? { port: options.port } : {}), ...(options.keep ? { keep: true } : {}) });
  return result.exitCode;
}
