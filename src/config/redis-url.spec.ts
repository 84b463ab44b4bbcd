import {
  parseClusterNodes,
  parseRedisUrl,
  parseSentinelUrl,
  redactClusterNodes,
  redactRedisUrl,
} from './redis-url';

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

  it('parses a sentinel URL: sentinels, master name, credentials, database', () => {
    expect(
      parseSentinelUrl('redis+sentinel://u:p%40ss@10.0.0.1:26379,[::1],h3:26380/mymaster/2'),
    ).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26379 },
        { host: 'h3', port: 26380 },
      ],
      masterName: 'mymaster',
      username: 'u',
      password: 'p@ss',
      db: 2,
      tls: false,
    });
    expect(parseSentinelUrl('rediss+sentinel://h:1/m')).toMatchObject({ db: 0, tls: true });
    expect(() => parseSentinelUrl('redis+sentinel://h:1')).toThrow(/master name is missing/);
    expect(() => parseSentinelUrl('redis+sentinel://h:1/m/x')).toThrow(/database index "x"/);
    expect(() => parseSentinelUrl('redis+sentinel://h:99999/m')).toThrow(
      /"h:99999" is not host:port/,
    );
    expect(() => parseSentinelUrl('redis+sentinel:///m')).toThrow(/no sentinel is given/);
  });

  it('parses cluster seed nodes, with credentials and TLS as in a Redis URL', () => {
    expect(parseClusterNodes('127.0.0.1:7000, 127.0.0.1:7001')).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
      ],
      tls: false,
    });
    expect(parseClusterNodes('rediss://app:s%2Fcret@a:7000,b:7001')).toEqual({
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      username: 'app',
      password: 's/cret',
      tls: true,
    });
    expect(parseClusterNodes('redis://a:7000/0').nodes).toHaveLength(1);
  });

  it('refuses a database other than 0 on a cluster, and other schemes', () => {
    expect(() => parseClusterNodes('redis://:pw@a:7000,b:7001/3')).toThrow(
      /database 3 was asked for, but a Redis Cluster has only database 0/,
    );
    expect(() => parseClusterNodes('http://a:7000')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseClusterNodes('a:7000,,b:7001')).toThrow(/node "" is not host:port/);
  });

  it('redacts the password of sentinel URLs and cluster nodes, even one with @ or /', () => {
    expect(redactRedisUrl('redis+sentinel://u:hunter2@h:1,h:2/m/1')).toBe(
      'redis+sentinel://u:***@h:1,h:2/m/1',
    );
    expect(redactClusterNodes('rediss://:hun@t/er2@a:7000,b:7001')).toBe(
      'rediss://:***@a:7000,b:7001',
    );
    expect(redactClusterNodes('a:7000,b:7001')).toBe('a:7000,b:7001');
  });
});
