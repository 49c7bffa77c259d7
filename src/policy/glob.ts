/**
 * Policy globs (exemption resources, notify resource groups) matched in linear time.
 *
 * A backtracking matcher (a glob compiled to a JavaScript RegExp) takes exponential time on patterns
 * such as `*a*a*a*a*a*a*a*a*a*a*a*a*x`, and a resource group name is chosen by whoever creates it, so
 * the guardrail compiles each glob to a small NFA and simulates it over a set of states: at most
 * (pattern length) states per character, never a retry.
 *
 * Syntax (case-insensitive): `*` any run of characters within a path segment, `**` as a whole segment
 * any number of segments (`/a/**` matches `/a` and everything below it), `?` one character other
 * than `/`, `\x` the character x itself. Every other character is literal.
 */

export interface GlobMatcher {
  (candidate: string): boolean;
  readonly glob: string;
}

/** What one NFA state reads: a character code, any character but `/`, or any character. */
const ANY_BUT_SLASH = -1;
const ANY = -2;
const SPLIT = -3;
const MATCH = -4;
const SLASH = 47;

/** Builds the NFA: `kind[i]` is a char code or one of the constants above; `next`/`alt` are successors. */
class Builder {
  readonly kind: number[] = [];
  readonly next: number[] = [];
  readonly alt: number[] = [];
  /** States whose `next` (or `alt`) must point at whatever comes next. */
  private dangling: Array<{ state: number; field: "next" | "alt" }> = [];
  start = -1;

  private add(kind: number, next = -1): number {
    this.kind.push(kind);
    this.next.push(next);
    this.alt.push(-1);
    return this.kind.length - 1;
  }

  private link(to: number): void {
    for (const { state, field } of this.dangling) this[field][state] = to;
    this.dangling = [];
    if (this.start < 0) this.start = to;
  }

  char(kind: number): void {
    const id = this.add(kind);
    this.link(id);
    this.dangling.push({ state: id, field: "next" });
  }

  /** Zero or more characters of `kind`. */
  loop(kind: number): void {
    const split = this.add(SPLIT);
    this.link(split);
    this.next[split] = this.add(kind, split);
    this.dangling.push({ state: split, field: "alt" });
  }

  /** Either nothing or what `body` adds. */
  optional(body: () => void): void {
    const split = this.add(SPLIT);
    this.link(split);
    this.next[split] = this.kind.length;
    body();
    this.dangling.push({ state: split, field: "alt" });
  }

  finish(): void {
    this.link(this.add(MATCH));
  }
}

/** Splits on unescaped `/`, keeping escapes for the segment compiler. */
function segmentsOf(glob: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) {
      current += c + glob[++i]!;
    } else if (c === "/") {
      out.push(current);
      current = "";
    } else current += c;
  }
  out.push(current);
  return out;
}

function compileSegment(builder: Builder, segment: string): void {
  // A segment that is only `*` names something: it does not match an empty segment.
  if (/^\*+$/.test(segment)) builder.char(ANY_BUT_SLASH);
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "\\" && i + 1 < segment.length) builder.char(segment.charCodeAt(++i));
    else if (c === "*") {
      while (segment[i + 1] === "*") i++; // `a**b` within a segment is `a*b`
      builder.loop(ANY_BUT_SLASH);
    } else if (c === "?") builder.char(ANY_BUT_SLASH);
    else builder.char(segment.charCodeAt(i));
  }
}

function build(glob: string): Builder {
  const builder = new Builder();
  const segments = segmentsOf(glob.toLowerCase());
  const last = segments.length - 1;
  segments.forEach((segment, index) => {
    const globstar = segment === "**";
    if (globstar && last === 0) {
      builder.loop(ANY);
    } else if (globstar && index === last) {
      // `a/**`: `a`, or `a/` and anything below it.
      builder.optional(() => {
        builder.char(SLASH);
        builder.loop(ANY);
      });
    } else {
      // A globstar that is not last already read the `/` that follows it.
      if (index > 0 && segments[index - 1] !== "**") builder.char(SLASH);
      if (globstar) {
        // `**/b` and `a/**/b`: nothing, or anything ending in `/`.
        builder.optional(() => {
          builder.loop(ANY);
          builder.char(SLASH);
        });
      } else compileSegment(builder, segment);
    }
  });
  builder.finish();
  return builder;
}

/** Compiles a policy glob. Matching costs O(glob length × candidate length) at worst. */
export function compileGlob(glob: string): GlobMatcher {
  const { kind, next, alt, start } = build(glob);
  const size = kind.length;
  // Each state's epsilon closure (the reading states and whether MATCH is reached), computed once.
  const closures: Int32Array[] = [];
  const accepts: boolean[] = [];
  for (let state = 0; state < size; state++) {
    const seen = new Uint8Array(size);
    const reading: number[] = [];
    let accepting = false;
    const stack = [state];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen[id]) continue;
      seen[id] = 1;
      if (kind[id] === SPLIT) stack.push(alt[id]!, next[id]!);
      else if (kind[id] === MATCH) accepting = true;
      else reading.push(id);
    }
    closures.push(Int32Array.from(reading));
    accepts.push(accepting);
  }
  const kinds = Int32Array.from(kind);
  const nexts = Int32Array.from(next);
  let current = new Int32Array(size);
  let following = new Int32Array(size);
  const marks = new Int32Array(size);
  let generation = 0;

  const matcher = (candidate: string): boolean => {
    const text = candidate.toLowerCase();
    let count = 0;
    generation++;
    for (const id of closures[start]!) if (marks[id] !== generation) (marks[id] = generation), (current[count++] = id);
    let matched = accepts[start]!;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      generation++;
      if (generation === 0x7fffffff) (generation = 1), marks.fill(0);
      let nextCount = 0;
      matched = false;
      for (let k = 0; k < count; k++) {
        const id = current[k]!;
        const want = kinds[id]!;
        if (want === ANY || (want === ANY_BUT_SLASH ? c !== SLASH : c === want)) {
          const to = nexts[id]!;
          if (accepts[to]) matched = true;
          for (const r of closures[to]!) if (marks[r] !== generation) (marks[r] = generation), (following[nextCount++] = r);
        }
      }
      if (nextCount === 0) return matched && i === text.length - 1;
      [current, following] = [following, current];
      count = nextCount;
    }
    return matched;
  };
  return Object.assign(matcher, { glob });
}

const cache = new Map<string, GlobMatcher>();
const CACHE_LIMIT = 1024;

/** Whether `candidate` matches `glob`; compiled globs are cached. */
export function globMatches(glob: string, candidate: string): boolean {
  let matcher = cache.get(glob);
  if (!matcher) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    matcher = compileGlob(glob);
    cache.set(glob, matcher);
  }
  return matcher(candidate);
}
