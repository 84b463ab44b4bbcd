import type { MessageFormat } from './task-message.deserializer';

/** Largest dead-letter entry, in bytes of its JSON text: longer message texts are cut to fit. */
export const DEAD_LETTER_ENTRY_MAX_BYTES = 64 * 1024;
/** A reason is our own text quoting at most a little of the message; this only bounds the worst case. */
const MAX_REASON_CHARS = 1024;

export interface RejectedMessage {
  /** When it was rejected (ISO-8601). */
  readonly at: string;
  readonly reason: string;
  /** The message's valid `ID`, when it had one. */
  readonly id?: string;
  readonly format: MessageFormat;
  /** The message text exactly as it arrived on the channel. */
  readonly text: string;
}

/** A dead-letter entry as kept (the JSON `deadLetterEntry` makes), read back. */
export interface DeadLetter {
  /** When it was rejected, ISO-8601. */
  readonly at: string;
  readonly reason: string;
  /** The message's valid `ID`, when it had one. */
  readonly id?: string;
  /** `seed` or `nest` as written; read back as text, since anything may sit in the list. */
  readonly format: string;
  /** The message text as received; cut when `truncated`, `bytes` giving its original size. */
  readonly message: string;
  readonly bytes?: number;
  readonly truncated?: boolean;
}

/**
 * The JSON entry kept in the dead-letter list for a rejected message: its reason and its text as
 * received (never re-serialised, so `1e400` or a 20-digit ID stay as sent). An entry takes at most
 * `maxBytes` bytes: when the text does not fit, the longest prefix that does is kept, with the
 * original size in `bytes` and `truncated: true`.
 */
export function deadLetterEntry(
  rejected: RejectedMessage,
  maxBytes = DEAD_LETTER_ENTRY_MAX_BYTES,
): string {
  const { at, reason, id, format, text } = rejected;
  const entry = {
    at,
    reason: reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason,
    id,
    format,
  };
  const bytes = Buffer.byteLength(text, 'utf8');
  const cutEntryWithoutText = JSON.stringify({ ...entry, bytes, truncated: true, message: '' });
  const end = prefixFitting(text, maxBytes - Buffer.byteLength(cutEntryWithoutText, 'utf8'));
  if (end === text.length) return JSON.stringify({ ...entry, message: text });
  return JSON.stringify({ ...entry, bytes, truncated: true, message: text.slice(0, end) });
}

/** Control characters JSON.stringify writes as a two-character escape (\b \t \n \f \r). */
const SHORT_ESCAPES: ReadonlySet<number> = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * How many UTF-16 units of `text` fit in `budget` bytes once written inside a JSON string (escaped
 * as JSON.stringify does, then UTF-8 encoded). Never ends between the halves of a surrogate pair.
 */
function prefixFitting(text: string, budget: number): number {
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let units = 1;
    let bytes: number;
    if (code < 0x20) bytes = SHORT_ESCAPES.has(code) ? 2 : 6;
    else if (code === 0x22 || code === 0x5c)
      bytes = 2; // \" and \\
    else if (code < 0x80) bytes = 1;
    else if (code < 0x800) bytes = 2;
    else if (isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes = 4;
      units = 2;
    } else if (isHighSurrogate(code) || isLowSurrogate(code))
      bytes = 6; // a lone one: \udxxx
    else bytes = 3;
    if (used + bytes > budget) break;
    used += bytes;
    i += units;
  }
  return i;
}
