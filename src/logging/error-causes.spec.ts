import { errorWithCauses } from './error-causes';

describe('errorWithCauses', () => {
  it('follows the cause chain: fetch failed, caused by the refused connection', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:8080');
    const error = new TypeError('fetch failed', { cause: refused });
    expect(errorWithCauses(error)).toBe(
      'TypeError: fetch failed, caused by Error: connect ECONNREFUSED 127.0.0.1:8080',
    );
  });

  it("lists an AggregateError's errors, as Node's dual-stack connect gives them", () => {
    const both = new AggregateError(
      [
        new Error('connect ECONNREFUSED ::1:6379'),
        new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      ],
      '',
    );
    expect(errorWithCauses(both)).toBe(
      'AggregateError: connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379',
    );
    const named = new AggregateError([new Error('a'), 'b'], 'all failed');
    expect(errorWithCauses(named)).toBe('AggregateError: all failed (a; b)');
  });

  it('takes anything thrown, and stops at a cycle or a long chain', () => {
    expect(errorWithCauses('plain text')).toBe('plain text');
    expect(errorWithCauses(undefined)).toBe('undefined');
    const cyclic = new Error('one');
    cyclic.cause = new Error('two', { cause: cyclic });
    expect(errorWithCauses(cyclic)).toBe('Error: one, caused by Error: two');
    let deep: Error = new Error('0');
    for (let i = 1; i <= 10; i++) deep = new Error(String(i), { cause: deep });
    expect(errorWithCauses(deep).split(', caused by ')).toHaveLength(6);
    expect(errorWithCauses(deep)).toMatch(/Error: 6, caused by …$/);
  });

  it('survives an error whose properties throw', () => {
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get: () => {
        throw new Error('no');
      },
    });
    Object.defineProperty(hostile, 'cause', {
      get: () => {
        throw new Error('no');
      },
    });
    expect(errorWithCauses(hostile)).toBe('an error that cannot be turned into text');
  });
});
