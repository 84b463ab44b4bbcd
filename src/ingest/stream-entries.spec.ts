import { streamEntries, taskText } from './stream-entries';

describe('stream entries', () => {
  it('reads the entries of an XREADGROUP reply, and nothing from a null one', () => {
    const reply = [
      [
        's',
        [
          ['1-0', ['task', '{}']],
          ['2-0', null],
          ['3-0', ['a', 'b', 'task', 'x']],
        ],
      ],
    ];
    expect(streamEntries(reply)).toEqual([
      { id: '1-0', fields: ['task', '{}'] },
      { id: '2-0', fields: null },
      { id: '3-0', fields: ['a', 'b', 'task', 'x'] },
    ]);
    expect(streamEntries(null)).toEqual([]);
  });

  it('skips what is not shaped like an entry', () => {
    expect(streamEntries([['s', [[5, []], 'x', ['4-0', [1, 2]]]], 'junk'])).toEqual([
      { id: '4-0', fields: null },
    ]);
  });

  it('finds the task field wherever it stands', () => {
    expect(taskText({ id: '3-0', fields: ['a', 'b', 'task', 'x'] })).toBe('x');
  });

  it('makes an entry without a task an unreadable one, naming its fields; a deleted one nothing', () => {
    expect(taskText({ id: '5-0', fields: ['job', '{"a":1}'] })).toEqual({
      text: '{"job":"{\\"a\\":1}"}',
      reason: 'stream entry 5-0 has no field "task" (its fields: "job")',
    });
    expect(taskText({ id: '6-0', fields: [] })).toEqual({
      text: '{}',
      reason: 'stream entry 6-0 has no field "task"',
    });
    expect(taskText({ id: '2-0', fields: null })).toBeUndefined();
  });
});
