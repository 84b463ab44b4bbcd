import fc from 'fast-check';
import { DEAD_LETTER_ENTRY_MAX_BYTES, RejectedMessage, deadLetterEntry } from './dead-letter';

const AT = '2025-11-26T12:00:00.000Z';

function rejected(text: string, fields: Partial<RejectedMessage> = {}): RejectedMessage {
  return { at: AT, reason: 'unknown task name "X"', format: 'seed', text, ...fields };
}

interface Entry {
  at: string;
  reason: string;
  id?: string;
  format: string;
  bytes?: number;
  truncated?: boolean;
  message: string;
}

const read = (entry: string): Entry => JSON.parse(entry) as Entry;

/** Any UTF-16 code units, lone surrogates and control characters included. */
const anyUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 3000,
});

describe('deadLetterEntry', () => {
  it('keeps the text exactly as received when it fits', () => {
    const text = '{"ID":12345678901234567890,"Name":"OncePingTask","ToRunAt":1e400}';
    const entry = deadLetterEntry(rejected(text, { id: '7' }));
    expect(read(entry)).toEqual({
      at: AT,
      reason: 'unknown task name "X"',
      id: '7',
      format: 'seed',
      message: text,
    });
  });

  it('cuts a 64 KiB message of control characters to an entry of at most 64 KiB', () => {
    const text = '\u0001'.repeat(64 * 1024);
    const entry = deadLetterEntry(rejected(text));
    expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(DEAD_LETTER_ENTRY_MAX_BYTES);
    expect(Buffer.byteLength(entry)).toBeGreaterThan(DEAD_LETTER_ENTRY_MAX_BYTES - 6);
    const { bytes, truncated, message } = read(entry);
    expect(bytes).toBe(64 * 1024);
    expect(truncated).toBe(true);
    expect(text.startsWith(message)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(100);
    for (let maxBytes = 150; maxBytes < 170; maxBytes++) {
      const { message } = read(deadLetterEntry(rejected(text), maxBytes));
      expect(message.length % 2).toBe(0);
    }
  });

  it('bounds a reason too long to be one of ours', () => {
    const entry = deadLetterEntry(rejected('x', { reason: 'r'.repeat(100_000) }), 8192);
    expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(8192);
  });

  it('holds for any text: bounded, valid JSON, a prefix that is as long as fits', () => {
    fc.assert(
      fc.property(anyUnits, fc.integer({ min: 1024, max: 4096 }), (text, maxBytes) => {
        const entry = deadLetterEntry(rejected(text), maxBytes);
        expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(maxBytes);
        const parsed = read(entry);
        expect(text.startsWith(parsed.message)).toBe(true);
        if (parsed.message === text) {
          expect(parsed.truncated).toBeUndefined();
          return;
        }
        expect(parsed).toMatchObject({ truncated: true, bytes: Buffer.byteLength(text) });
        // One more character (both halves of a pair) would not have fitted.
        const next = text.codePointAt(parsed.message.length)! > 0xffff ? 2 : 1;
        const longer = { ...parsed, message: text.slice(0, parsed.message.length + next) };
        expect(Buffer.byteLength(JSON.stringify(longer))).toBeGreaterThan(maxBytes);
      }),
    );
  });
});
