import {
  OVERSIZED_HEAD_CHARS,
  OVERSIZED_MESSAGE,
  isOversizedMessage,
  oversizedMessage,
} from './oversized-message';

describe('oversized message marker', () => {
  it('carries size, limit and the start of the text', () => {
    const marker = oversizedMessage(5000, 4096, 'x'.repeat(5000));
    expect(marker[OVERSIZED_MESSAGE]).toBe(true);
    expect(marker.bytes).toBe(5000);
    expect(marker.limit).toBe(4096);
    expect(marker.head).toBe('x'.repeat(OVERSIZED_HEAD_CHARS));
    expect(oversizedMessage(10, 5, 'short').head).toBe('short');
  });

  it('is recognised only by its symbol', () => {
    expect(isOversizedMessage(oversizedMessage(1, 0, ''))).toBe(true);
    // JSON cannot produce the symbol, so no published message can pose as a marker.
    const lookalike: unknown = JSON.parse(
      '{"bytes":5,"limit":1,"head":"","delaytask.oversized":true}',
    );
    expect(isOversizedMessage(lookalike)).toBe(false);
    expect(isOversizedMessage({ [Symbol('delaytask.oversized')]: true })).toBe(false);
    for (const value of [null, undefined, 'text', 5, []])
      expect(isOversizedMessage(value)).toBe(false);
  });
});
