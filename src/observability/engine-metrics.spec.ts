import { Registry } from 'prom-client';
import type { ObservedRun } from '../events/engine-events';
import { EngineMetrics } from './engine-metrics';

const run = (name: string): ObservedRun => ({
  started: { id: '1', token: 1, dueMs: 0, plannedMs: 0, record: '{}', attempt: 1 },
  name,
});

/** The value of one series in the registry's text, or undefined when it is not there. */
async function valueOf(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('EngineMetrics', () => {
  let registry: Registry;
  let metrics: EngineMetrics;

  beforeEach(() => {
    registry = new Registry();
    metrics = new EngineMetrics(registry, (name) => name === 'Ping' || name === 'Mail');
    metrics.declareTaskNames(['Ping', 'Mail']);
  });

  it('has every series of the known task names at 0 before their first run', async () => {
    expect(await valueOf(registry, 'delaytask_runs_total{name="Mail",outcome="retried"}')).toBe(0);
    expect(await valueOf(registry, 'delaytask_lateness_seconds_count{name="Mail"}')).toBe(0);
    expect(await valueOf(registry, 'delaytask_ingest_total{result="rejected"}')).toBe(0);
    expect(await valueOf(registry, 'delaytask_lease_lost_total{reason="expired"}')).toBe(0);
    expect(await valueOf(registry, 'delaytask_takeovers_total')).toBe(0);
  });

  it('observes lateness in seconds, in buckets from 1 ms to 60 s', async () => {
    metrics.runStarted(run('Ping'), 0);
    metrics.runStarted(run('Ping'), 3);
    metrics.runStarted(run('Ping'), 45_000);
    const bucket = (le: string) =>
      valueOf(registry, `delaytask_lateness_seconds_bucket{le="${le}",name="Ping"}`);
    expect(await bucket('0.001')).toBe(1);
    expect(await bucket('0.005')).toBe(2);
    expect(await bucket('30')).toBe(2);
    expect(await bucket('60')).toBe(3);
    expect(await valueOf(registry, 'delaytask_lateness_seconds_sum{name="Ping"}')).toBeCloseTo(
      45.003,
    );
  });

  it('counts runs by name and outcome, submissions, lost leases and takeovers', async () => {
    metrics.runEnded(run('Ping'), 'done');
    metrics.runEnded(run('Ping'), 'done');
    metrics.runEnded(run('Mail'), 'retried');
    metrics.ingested('duplicate');
    metrics.leasesLost('taken-over', 3);
    metrics.takenOver(2);
    expect(await valueOf(registry, 'delaytask_runs_total{name="Ping",outcome="done"}')).toBe(2);
    expect(await valueOf(registry, 'delaytask_runs_total{name="Mail",outcome="retried"}')).toBe(1);
    expect(await valueOf(registry, 'delaytask_ingest_total{result="duplicate"}')).toBe(1);
    expect(await valueOf(registry, 'delaytask_lease_lost_total{reason="taken-over"}')).toBe(3);
    expect(await valueOf(registry, 'delaytask_takeovers_total')).toBe(2);
  });

  it('counts runs of names no handler has under one label, so outside text cannot add series', async () => {
    metrics.runStarted(run('Nope-1'), 1);
    metrics.runEnded(run('Nope-1'), 'failed');
    metrics.runEnded(run('Nope-2'), 'failed');
    const text = await registry.metrics();
    expect(text).not.toContain('Nope');
    expect(
      await valueOf(registry, 'delaytask_runs_total{name="(unregistered)",outcome="failed"}'),
    ).toBe(2);
  });
});
