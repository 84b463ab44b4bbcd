import { OVERSIZED_MESSAGE, isOversizedMessage, oversizedMessage } from './oversized-message';

describe('oversized message marker', () => {
  it('carries size and limit', () => {
    const marker = oversizedMessage(5000, 4096);
    expect(marker[OVERSIZED_MESSAGE]).toBe(true);
    expect(marker.bytes).toBe(5000);
    expect(marker.limit).toBe(4096);
  });

  it('is recognised only by its symbol', () => {
    expect(isOversizedMessage(oversizedMessage(1, 0))).toBe(true);
    // JSON cannot produce the symbol, so no published message can pose as a marker.
    const lookalike: unknown = JSON.parse('{"bytes":5,"limit":1,"delaytask.oversized":true}');
    expect(isOversizedMessage(lookalike)).toBe(false);
    expect(isOversizedMessage({ [Symbol('delaytask.oversized')]: true })).toBe(false);
    for (const value of [null, undefined, 'text', 5, []])
      expect(isOversizedMessage(value)).toBe(false);
  });
});
