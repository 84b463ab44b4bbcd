/** Causes followed at most, so that a cycle or a long chain cannot make a line endless. */
const MAX_CAUSES = 5;

/**
 * An error as text with what caused it, as an operator needs it:
 * `TypeError: fetch failed, caused by Error: connect ECONNREFUSED 127.0.0.1:8080` rather than the
 * bare `fetch failed`. An AggregateError (Node's dual-stack connect) lists its errors. Anything
 * thrown is taken (a string, a getter that throws). The text is raw: escape it (`printable`)
 * before it goes into a log line.
 */
export function errorWithCauses(error: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    if (parts.length === MAX_CAUSES) {
      parts.push('…');
      break;
    }
    seen.add(current);
    parts.push(describe(current));
    current = causeOf(current);
  }
  return parts.length > 0 ? parts.join(', caused by ') : String(error);
}

function describe(error: unknown): string {
  try {
    if (!(error instanceof Error)) return String(error);
    const inner =
      error instanceof AggregateError && Array.isArray(error.errors)
        ? (error.errors as unknown[]).map(messageOf).join('; ')
        : '';
    const message = error.message || inner;
    const listed = error.message && inner ? ` (${inner})` : '';
    return `${error.name}: ${message}${listed}`;
  } catch {
    return 'an error that cannot be turned into text';
  }
}

/** An error's message, or whatever was thrown as text (a string, a number, an object). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function causeOf(error: unknown): unknown {
  try {
    return error instanceof Error ? error.cause : undefined;
  } catch {
    return undefined;
  }
}
