import { fieldValue, foldName, keyFor } from './field-name';

describe('field names, matched as Go encoding/json does', () => {
  it('prefers the exact key, wherever it stands', () => {
    expect(keyFor({ url: 'a', Url: 'b', URL: 'c' }, 'Url')).toBe('Url');
  });

  it('falls back to the last key that matches without regard to case', () => {
    expect(keyFor({ url: 'a', URL: 'c' }, 'Url')).toBe('URL');
    expect(fieldValue({ toRunAt: '5' }, 'ToRunAt')).toBe('5');
    expect(keyFor({ other: 1 }, 'Url')).toBeUndefined();
  });

  it('folds as Go does, beyond ASCII', () => {
    expect(foldName('ſ')).toBe(foldName('S'));
    expect(foldName('\u212a')).toBe(foldName('k'));
  });

  it('never reads an inherited property', () => {
    expect(fieldValue({}, 'constructor')).toBeUndefined();
    expect(fieldValue({}, 'toString')).toBeUndefined();
  });
});
