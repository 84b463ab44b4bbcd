import { defaultOptions } from '../config/default-options';
import type { AcceptItem } from '../store/task-store';
import { scheduleOutside } from './schedule-outside';

const NOW = Date.UTC(2026, 0, 5, 12);

/** The store's parts scheduleOutside uses, keeping what it was asked to accept. */
function fakeStore(names: string[]) {
  const accepted: AcceptItem[] = [];
  return {
    accepted,
    redisTime: () => Promise.resolve(NOW),
    taskTypes: () => Promise.resolve(names),
    acceptTasks: (_owner: string, _window: number | null, _lease: number, items: AcceptItem[]) => {
      accepted.push(...items);
      return Promise.resolve({
        nowMs: NOW,
        results: items.map(() => ({ status: 'stored' as const })),
      });
    },
  };
}

describe('scheduleOutside', () => {
  it('stores the record unmarked: no payload class checked it, so the runner checks it before its run', async () => {
    // GreetTask may have a payload class in the instances; the outside door cannot know it.
    const store = fakeStore(['GreetTask']);
    const text = JSON.stringify({ ID: '7', Name: 'GreetTask', ToRunAfter: 60, guest: 5 });

    const answer = await scheduleOutside(store, defaultOptions(), text);

    expect(answer).toMatchObject({ accepted: true, task: { id: '7', status: 'stored' } });
    const [{ record }] = store.accepted;
    expect(record).toBe('{"id":"7","name":"GreetTask","toRunAfterMs":60000,"payload":{"guest":5}}');
  });

  it('leaves a payloadChecked field sent with the task inside its payload', async () => {
    const store = fakeStore([]);
    const text = JSON.stringify({ ID: '8', Name: 'Any', ToRunAfter: 1, payloadChecked: true });

    await scheduleOutside(store, defaultOptions(), text);

    expect(store.accepted[0].record).toBe(
      '{"id":"8","name":"Any","toRunAfterMs":1000,"payload":{"payloadChecked":true}}',
    );
  });
});
