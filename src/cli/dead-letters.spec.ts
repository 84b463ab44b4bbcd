import { deadLetterEntry } from '../ingest/dead-letter';
import { parseDeadLetter } from './dead-letters';
import { renderDeadLetters } from './format/dead-letter-format';

const AT = '2026-11-26T13:00:00.000Z';

describe('parseDeadLetter', () => {
  it('reads back the entry ingest keeps, the message exactly as received', () => {
    const text = '{"ID":"7","Name":"Nope","n":1e400}';
    const entry = deadLetterEntry({
      at: AT,
      reason: 'unknown task name "Nope"',
      id: '7',
      format: 'seed',
      text,
    });
    expect(parseDeadLetter(entry)).toEqual({
      at: AT,
      reason: 'unknown task name "Nope"',
      id: '7',
      format: 'seed',
      message: text,
    });
  });

  it('reads back a cut entry with its original size', () => {
    const text = 'x'.repeat(5000);
    const entry = deadLetterEntry({ at: AT, reason: 'not JSON', format: 'seed', text }, 1000);
    const read = parseDeadLetter(entry);
    expect(read).toMatchObject({ truncated: true, bytes: 5000, reason: 'not JSON' });
    expect(read.id).toBeUndefined();
    expect(text.startsWith(read.message)).toBe(true);
    expect(read.message.length).toBeLessThan(1000);
  });

  it.each(['not json', '[1,2]', '{"at":"x"}', 'null'])(
    'shows anything else in the list whole, as an unreadable entry: %s',
    (text) => {
      expect(parseDeadLetter(text)).toEqual({
        at: '',
        reason: 'unreadable dead-letter entry',
        format: '',
        message: text,
      });
    },
  );
});

describe('renderDeadLetters', () => {
  it('shows when, which ID, the format, the reason and the message, saying when it was cut', () => {
    const lines = renderDeadLetters([
      {
        at: AT,
        reason: 'unknown task name "Nope"',
        id: '7',
        format: 'seed',
        message: '{"ID":"7"}',
      },
      {
        at: AT,
        reason: 'too large',
        format: 'seed',
        message: 'xxx',
        bytes: 2000000,
        truncated: true,
      },
    ]).split('\n');
    expect(lines[0]).toMatch(/^AT +ID +FORMAT +REASON +MESSAGE$/);
    expect(lines[1]).toMatch(
      /^2026-11-26T13:00:00.000Z +7 +seed +unknown task name "Nope" +\{"ID":"7"\}$/,
    );
    expect(lines[2]).toMatch(/ - +seed +too large +\(2000000 bytes, cut\) xxx$/);
  });
});
