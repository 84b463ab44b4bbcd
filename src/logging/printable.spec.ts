import fc from 'fast-check';
import { printable } from './printable';

describe('printable', () => {
  it('escapes what could forge a log line or drive a terminal', () => {
    expect(printable('a\n[Nest] 999  - FORGED LOG LINE')).toBe('a\\n[Nest] 999  - FORGED LOG LINE');
    expect(printable('\u001b[2J')).toBe('\\u001b[2J');
    expect(printable('x\r\ty\u0085\u2028\u202e')).toBe('x\\r\\ty\\u0085\\u2028\\u202e');
    expect(printable('\ud800 lone')).toBe('\\ud800 lone');
  });

  it('keeps ordinary text, emoji and other scripts as they are', () => {
    expect(printable('GET http://127.0.0.1:8080/ answered 500 — 🙂 日本')).toBe(
      'GET http://127.0.0.1:8080/ answered 500 — 🙂 日本',
    );
  });

  it('cuts long text and says how long it was', () => {
    expect(printable('abcdef', 3)).toBe('abc… (6 chars)');
  });

  it('never lets a line break or a control character through, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        // eslint-disable-next-line no-control-regex -- finding control characters is the point
        expect(printable(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      }),
    );
  });
});
