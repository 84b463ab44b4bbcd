import { classifyHandshakeReply, RedisRefusedError } from './redis-handshake';

describe('classifyHandshakeReply', () => {
  it('accepts only +OK', () => {
    expect(classifyHandshakeReply('+OK')).toBe('ok');
    expect(classifyHandshakeReply('+QUEUED')).toBe('refused');
    expect(classifyHandshakeReply('$2')).toBe('refused');
  });

  it.each([
    '-ERR DB index is out of range',
    '-ERR invalid DB index',
    '-WRONGPASS invalid username-password pair or user is disabled.',
    "-NOPERM User producer has no permissions to run the 'select' command",
    '-NOAUTH Authentication required.',
    '-ERR SELECT is not allowed in cluster mode',
  ])('takes %s as a refusal: reconnecting cannot help', (line) => {
    expect(classifyHandshakeReply(line)).toBe('refused');
  });

  it.each([
    '-ERR max number of clients reached',
    '-LOADING Redis is loading the dataset in memory',
    '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    '-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.',
  ])('takes %s as passing: the client reconnects with backoff', (line) => {
    expect(classifyHandshakeReply(line)).toBe('transient');
  });
});

describe('RedisRefusedError', () => {
  it('names the server and the command, and escapes what the server said', () => {
    const error = new RedisRefusedError('redis://:***@h:1/3', 'SELECT 3', 'ERR bad\nFORGED');
    expect(error.message).toBe('Redis at redis://:***@h:1/3 refused SELECT 3: ERR bad\\nFORGED');
  });
});
