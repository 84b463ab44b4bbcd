/**
 * Characters that can forge or hide log lines: C0 and C1 controls (newlines, ANSI escapes), DEL,
 * the Unicode line and paragraph separators, bidirectional overrides, and lone surrogates.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Outside text (a message, a handler's error, a URL) made safe for one log line: every character
 * that could start a new line or drive a terminal is written as an escape, and the text is cut to
 * `max` characters. Escaping is lossless: the original can be read back from the line.
 */
export function printable(text: string, max = Infinity): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return cut.replace(UNSAFE, escape);
}
