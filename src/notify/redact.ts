/**
 * Secrets the notifier holds (webhook URLs, SMTP password, ACS access key) must never reach a log
 * line or the outbox. Errors are described in our own words where possible; everything else that
 * could echo a secret (an SDK's message, a server's reply) goes through `scrub`.
 */
export const REDACTED = "[redacted]";

export class SecretScrubber {
  private readonly secrets: string[] = [];

  /** Registers a secret and the forms it may appear in (URL-encoded, path and query of a URL). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 4) return;
    const forms = new Set<string>([secret]);
    try {
      forms.add(encodeURIComponent(secret));
      forms.add(decodeURIComponent(secret));
    } catch {
      // Not decodable: the raw form is enough.
    }
    try {
      const url = new URL(secret);
      if (url.pathname.length > 1) forms.add(url.pathname);
      if (url.search.length > 1) forms.add(url.search.slice(1));
      forms.add(`${url.host}${url.pathname}`);
    } catch {
      // Not a URL.
    }
    for (const form of forms) if (form.length >= 4 && !this.secrets.includes(form)) this.secrets.push(form);
    // Longest first, so that a URL is replaced whole before its path is.
    this.secrets.sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    // Belt and braces: credentials in URLs and key-value connection strings, whoever they belong to.
    return out
      .replace(/(https?:\/\/)[^\s/@]+:[^\s/@]+@/gi, `$1${REDACTED}@`)
      .replace(/\b(accesskey|accountkey|password|sig|code)=([^;&\s]+)/gi, `$1=${REDACTED}`);
  }
}
