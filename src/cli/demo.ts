import { runDemo } from "../demo/demo.js";

export interface DemoCliOptions {
  port?: number;
  keep?: boolean;
}

export async function runDemoCommand(options: DemoCliOptions): Promise<number> {
  if (options.keep) process.stderr.write("nsp-guardrail: demo --keep: the live page is not available yet; running the scripted demo only\n");
  const result = await runDemo({ ...(options.port ? { port: options.port } : {}) });
  return result.exitCode;
}
