import { renderFields, renderTable } from './table';

describe('renderTable', () => {
  it('aligns every column to its widest cell, the header included, and right-aligns on demand', () => {
    const text = renderTable(
      [{ header: 'ID' }, { header: 'N', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '7', 'short'],
        ['long-id', '1234', 'x'],
      ],
    );
    expect(text).toBe(
      ['ID          N  NOTE', 'a           7  short', 'long-id  1234  x', ''].join('\n'),
    );
  });

  it('shows a dash for an empty or missing cell, so that no column looks shifted', () => {
    expect(renderTable([{ header: 'A' }, { header: 'B' }], [['', undefined]])).toBe('A  B\n-  -\n');
  });

  it('cuts a cell longer than its column allows, ending it with an ellipsis', () => {
    const text = renderTable([{ header: 'E', maxWidth: 5 }], [['abcdefgh']]);
    expect(text).toBe('E\nabcd…\n');
  });

  it('escapes control characters, so that a cell can neither break its row nor drive the terminal', () => {
    const text = renderTable([{ header: 'X' }], [['a\nb\u001b[2Jc']]);
    expect(text).toBe('X\na\\nb\\u001b[2Jc\n');
    expect(text.split('\n')).toHaveLength(3);
  });
});

describe('renderFields', () => {
  it('aligns the names, leaves out fields without a value, and escapes the values', () => {
    expect(
      renderFields([
        ['id', '42'],
        ['due at', undefined],
        ['last error', 'boom\r\n'],
      ]),
    ).toBe('id          42\nlast error  boom\\r\\n\n');
  });
});
