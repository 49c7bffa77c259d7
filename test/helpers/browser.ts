/** Headless Chromium (Debian's package, installed by .ci/run when missing) driven by playwright-core. */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error("Chromium is not installed: .ci/run installs Debian's chromium package (apt-get install chromium)");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox as root; no background networking on a machine without outside network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
