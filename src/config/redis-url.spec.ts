import { parseRedisUrl, redactRedisUrl } from './redis-url';

describe('Redis URL', () => {
  it('parses password and database index as the seed writes them', () => {
    expect(parseRedisUrl('redis://:uestc12345@127.0.0.1:6379/4')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      username: undefined,
      password: 'uestc12345',
      db: 4,
      tls: false,
    });
    expect(parseRedisUrl('rediss://user:p%40ss@[::1]')).toMatchObject({
      host: '::1',
      port: 6379,
      username: 'user',
      password: 'p@ss',
      db: 0,
      tls: true,
    });
  });

  it('refuses other schemes and database indexes that are not whole numbers', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/unsupported scheme "http:"/);
    expect(() => parseRedisUrl('redis://127.0.0.1:6379/x')).toThrow(/database index "x"/);
  });

  it('redacts the password for logs', () => {
    expect(redactRedisUrl('redis://:uestc12345@127.0.0.1:6379/4')).toBe(
      'redis://:***@127.0.0.1:6379/4',
    );
    expect(redactRedisUrl('redis://user:p%40ss@h:1')).not.toMatch(/p%40ss|p@ss/);
    expect(redactRedisUrl('not a url :secret@')).toBe('<unparseable REDIS_URL>');
  });
});
