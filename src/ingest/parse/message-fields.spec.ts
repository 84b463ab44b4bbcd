import { readFields } from './message-fields';

describe('readFields', () => {
  it('hands on the values as sent, under their canonical names, null as absent', () => {
    const sent = readFields({
      ID: 7,
      Name: 'OncePingTask',
      toRunAt: '1764158400.5',
      TIMEOUT: null,
      interval: { odd: true },
      Url: 'u',
    });
    expect(sent).toEqual({
      id: 7,
      name: 'OncePingTask',
      toRunAt: '1764158400.5',
      toRunAfter: undefined,
      timeout: undefined,
      interval: { odd: true },
      endTime: undefined,
      nameMisspellings: [],
      payload: { Url: 'u' },
    });
  });

  it('lists the keys that spell Name in another case only when Name is absent', () => {
    expect(readFields({ name: 'a', NAME: 'b' }).nameMisspellings).toEqual(['name', 'NAME']);
    expect(readFields({ Name: 'x', name: 'a' }).nameMisspellings).toEqual([]);
  });

  it('keeps in the payload neither Name, a known field in any case, nor a prototype key', () => {
    const message = JSON.parse(
      '{"a":1,"Name":"n","endtime":2,"EndTime":3,"__proto__":{},"constructor":4,"name":5}',
    ) as Record<string, unknown>;
    const sent = readFields(message);
    expect(Object.keys(sent.payload)).toEqual(['a', 'name']);
    expect(sent.endTime).toBe(3);
  });
});
