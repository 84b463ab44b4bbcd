import { inspect } from 'node:util';
import { taskLine } from './task-log-line';

describe('taskLine', () => {
  it('says which task, run and instance, in its text and in its fields', () => {
    const line = taskLine(
      { id: '42', name: 'OncePingTask', attempt: 2, token: 7 },
      'host:1:ab',
      'failed: boom',
    );
    expect(line.text).toBe(
      'Task 42 (OncePingTask, attempt 2, token 7, instance host:1:ab) failed: boom',
    );
    expect(line.fields).toEqual({
      taskId: '42',
      taskName: 'OncePingTask',
      attempt: 2,
      fencingToken: 7,
      instance: 'host:1:ab',
    });
  });

  it('leaves out what a claim does not know', () => {
    const line = taskLine({ id: '42', token: 7 }, 'i', 'was not started again');
    expect(line.text).toBe('Task 42 (token 7, instance i) was not started again');
    expect(line.fields).toEqual({ taskId: '42', fencingToken: 7, instance: 'i' });
  });

  it('escapes outside text, in the text and the fields alike', () => {
    const line = taskLine({ id: 'a\nb', name: '\u001b[2J', token: 1 }, 'i', 'x');
    expect(line.text).toBe('Task a\\nb (\\u001b[2J, token 1, instance i) x');
    expect(line.fields).toMatchObject({ taskId: 'a\\nb', taskName: '\\u001b[2J' });
  });

  it('reads as its text to any logger: String, JSON and util.inspect', () => {
    const line = taskLine({ id: '42', token: 7 }, 'i', 'x');
    expect(String(line)).toBe(line.text);
    expect(JSON.stringify({ message: line })).toBe(JSON.stringify({ message: line.text }));
    expect(inspect(line)).toBe(line.text);
  });
});
