import { advance, useFakeTime } from '../../test/support/fake-time';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { LeaseSweeper } from './lease-sweeper.service';
import { RecoveryService } from './recovery.service';

const ME = 'instance-under-test';
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const OPTIONS: DelayTaskOptions = { ...defaultOptions(), instanceId: ME };
const { leaseMs: LEASE_MS } = OPTIONS;

useFakeTime(T0);
const logs = captureNestLogs();

/** Restore on the in-memory store, with a real sweeper. */
function recoveryOn(store: InMemoryTaskStore): RecoveryService {
  const view = store.asTaskStore();
  return new RecoveryService(OPTIONS, view, new LeaseSweeper(OPTIONS, view));
}

const record = (id: string): string => JSON.stringify({ id, name: 'Probe', payload: {} });

/** What a Redis holds when an instance restarts after a crash, a lease ago and a bit. */
async function redisAfterACrash(store: InMemoryTaskStore): Promise<void> {
  // Claimed by the instance that crashed: their leases lapse a lease from now.
  for (const id of ['lapsed-1', 'lapsed-2']) {
    store.addClaimed(id, record(id), { dueMs: T0 }, 'crashed-instance');
  }
  // Claimed by an instance that lives on, due in an hour: its lease outlasts this spec.
  store.addClaimed('live', record('live'), { dueMs: T0 + 3_600_000 }, 'live-instance');
  store.addTask('waiting', record('waiting'), { dueMs: T0 + 60_000 });
  // A once task whose handler threw: kept in the failed set.
  const failing = store.addClaimed('failed', record('failed'), { dueMs: T0 }, 'live-instance');
  const [started] = (await store.startRuns(LEASE_MS, [failing])).started;
  await store.completeRuns('live-instance', null, LEASE_MS, [
    { ...started, outcome: 'error', error: 'boom', attempt: started.attempt },
  ]);
  for (const text of ['{bad', '[]', '"x"']) {
    await store.keepDeadLetter(JSON.stringify({ reason: 'spec', message: text }), 100, 1e6);
  }
  await advance(LEASE_MS + 1);
}

describe('RecoveryService.restore', () => {
  it('puts the lapsed claims of dead instances back in due, then logs what Redis holds', async () => {
    const store = new InMemoryTaskStore({ leaseMs: LEASE_MS });
    await redisAfterACrash(store);

    await recoveryOn(store).restore();
    expect(store.dueIds()).toEqual(['lapsed-1', 'lapsed-2', 'waiting']);
    expect(store.leaseOf('live')?.owner).toBe('live-instance');
    expect(logs.of(LeaseSweeper.name)).toEqual([
      'Took back 2 task(s) whose instance stopped renewing its lease',
    ]);
    expect(logs.of(RecoveryService.name)).toEqual([
      'Restored from Redis: 3 waiting, 1 claimed by live or lapsing instances, 1 failed, ' +
        `3 dead letters (instance ${ME})`,
    ]);
  });

  it('starts from an empty Redis as from any other: nothing taken back, all counts 0', async () => {
    const store = new InMemoryTaskStore();
    await recoveryOn(store).restore();

    expect(logs.of(LeaseSweeper.name)).toEqual([]);
    expect(logs.of(RecoveryService.name)).toEqual([
      'Restored from Redis: 0 waiting, 0 claimed by live or lapsing instances, 0 failed, ' +
        `0 dead letters (instance ${ME})`,
    ]);
  });

  it('lets a Redis error through to bootstrap, and logs no counts it could not read', async () => {
    const store = new InMemoryTaskStore();
    store.setLink('down');
    await expect(recoveryOn(store).restore()).rejects.toThrow('ECONNREFUSED');
    expect(logs.of(RecoveryService.name)).toEqual([]);
  });
});
