/**
 * Text from ARM (tag values, resource names, messages quoting them) is written by whoever can
 * write a resource: it is escaped for every output that interprets it.
 */

/**
 * C0 and C1 control characters (escape sequences that move the cursor, rewrite the terminal title
 * or hide text), DEL, and the Unicode bidirectional overrides and isolates (text that reads
 * differently from what it is).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of plain text: control characters dropped, line breaks and tabs as spaces. */
export function stripControl(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ").replace(CONTROL, "");
}

/** Text for a terminal: no escape sequence survives. */
export function terminalText(text: string | undefined): string {
  return stripControl(text ?? "");
}

/**
 * Text for Markdown (GitHub Flavored, as in PR comments and job summaries), inline: every ASCII
 * punctuation character that Markdown could read as syntax is backslash-escaped (CommonMark lets
 * any ASCII punctuation be escaped), so no link, image, emphasis, autolink or table cell boundary
 * can be formed; `<`, `>` and `&` become entities so that no HTML tag or entity survives.
 */
export function markdownText(text: string | undefined): string {
  return stripControl(text ?? "").replace(/[!-/:-@[-`{-~]/g, (c) => {
    if (c === "<") return "&lt;";
    if (c === ">") return "&gt;";
    if (c === "&") return "&amp;";
    return `\\${c}`;
  });
}

/**
 * A code span for Markdown: a fence longer than any backtick run inside, so the value cannot close
 * it; `|` escaped (GitHub reads it as a table cell boundary even in code).
 */
export function markdownCode(text: string | undefined): string {
  const value = stripControl(text ?? "").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = value.startsWith("`") || value.endsWith("`") ? " " : "";
  return `${fence}${pad}${value}${pad}${fence}`;
}

/**
 * Text for HTML (and inline SVG) content and quoted attribute values: the five characters that
 * could open a tag, an entity or leave an attribute become entities.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
