import { scheduledTask } from './scheduled-task';

describe('scheduledTask', () => {
  it('reads a stale replay as a duplicate: either way nothing changed', () => {
    expect(scheduledTask('42', 'replayed')).toEqual({ id: '42', status: 'duplicate' });
  });

  it.each(['stored', 'rescheduled', 'duplicate', 'completed'] as const)(
    'keeps %s as the store said it',
    (status) => {
      expect(scheduledTask('42', status)).toEqual({ id: '42', status });
    },
  );
});
