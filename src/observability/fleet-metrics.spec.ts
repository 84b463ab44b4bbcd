import { Registry } from 'prom-client';
import { FleetMetrics, type FleetReading } from './fleet-metrics';

const READING: FleetReading = {
  stats: {
    pending: 5,
    running: 2,
    failed: 1,
    cancelled: 0,
    done: 40,
    deadLetters: 3,
    oldestDueLagMs: 1500,
    missed: 0,
    expired: 0,
  },
  instances: [
    { id: 'a', concurrency: 2, running: 1, claimed: 4, at: 0, startedAt: 0 },
    { id: 'b', concurrency: 2, running: 1, claimed: 0, at: 0, startedAt: 0 },
  ],
  stream: { length: 7, pending: 2 },
};

function samples(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.startsWith('delaytask_'))
      .map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)]),
  );
}

describe('FleetMetrics', () => {
  it("reports the deployment's counts as GET /stats gives them, and this instance's load", async () => {
    const registry = new Registry();
    const fleet = new FleetMetrics(registry, 'host:1:ab', 8);
    fleet.setLoad({ running: 3, claimed: 9 });
    fleet.setFleet(READING);
    expect(samples(await registry.metrics())).toEqual({
      'delaytask_tasks{state="pending"}': '5',
      'delaytask_tasks{state="running"}': '2',
      'delaytask_tasks{state="failed"}': '1',
      'delaytask_tasks{state="done"}': '40',
      'delaytask_tasks{state="cancelled"}': '0',
      'delaytask_tasks{state="dead"}': '3',
      delaytask_due_lag_seconds: '1.5',
      delaytask_instances: '2',
      delaytask_stream_entries: '7',
      delaytask_stream_pending_entries: '2',
      delaytask_redis_up: '1',
      delaytask_running: '3',
      delaytask_claimed: '9',
      delaytask_concurrency: '8',
      'delaytask_instance_info{instance_id="host:1:ab"}': '1',
    });
  });

  it('says nothing it does not know: NaN while Redis does not answer, or before the stream exists', async () => {
    const registry = new Registry();
    const fleet = new FleetMetrics(registry, 'i', 1);
    fleet.setFleet(READING);
    fleet.setFleet({ ...READING, stream: undefined });
    let shown = samples(await registry.metrics());
    expect(shown.delaytask_stream_entries).toMatch(/^nan$/i);
    expect(shown.delaytask_instances).toBe('2');
    fleet.setFleet(undefined);
    shown = samples(await registry.metrics());
    expect(shown.delaytask_redis_up).toBe('0');
    expect(Object.keys(shown).filter((key) => key.startsWith('delaytask_tasks'))).toEqual([]);
    for (const gauge of ['delaytask_due_lag_seconds', 'delaytask_instances']) {
      expect(shown[gauge]).toMatch(/^nan$/i);
    }
  });
});
