import { runInThisContext } from 'node:vm';

// Jest hands a spec a copy of `process` whose events never fire; the real one lives in the main
// context, and that is where an unhandled rejection is reported.
const realProcess = runInThisContext('process') as NodeJS.Process;

/**
 * Every test of the spec file runs on Jest's modern fake timers (setTimeout, setInterval,
 * setImmediate, Date, performance.now), starting at `startMs`, and fails if it left a promise
 * rejection unhandled (a background job of the code under test that threw where nobody waits).
 */
export function useFakeTime(startMs: number): void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(() => realProcess.on('unhandledRejection', onUnhandled));
  afterAll(() => realProcess.off('unhandledRejection', onUnhandled));
  beforeEach(() => {
    jest.useFakeTimers({ now: startMs });
    unhandled.length = 0;
  });
  afterEach(async () => {
    // A rejection is reported once the microtask queue has drained: let a real turn pass first.
    const { setImmediate: realSetImmediate } =
      jest.requireActual<typeof import('timers')>('timers');
    await new Promise((resolve) => realSetImmediate(resolve));
    jest.useRealTimers();
    expect(unhandled).toEqual([]);
  });
}

/** Fake time moves on by `ms`; what falls due meanwhile runs, with the promises it settles. */
export const advance = (ms: number): Promise<void> => jest.advanceTimersByTimeAsync(ms);

export const advanceTo = (atMs: number): Promise<void> => advance(atMs - Date.now());

/**
 * One fake millisecond: everything already due runs, including a setImmediate (fake timers run an
 * immediate made while timers fire 1 ms later).
 */
export const tick = (): Promise<void> => advance(1);
