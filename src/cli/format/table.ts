import { printable } from '../../logging/printable';

export interface Column {
  readonly header: string;
  /** Longer cells are cut to this many characters, the last one an ellipsis. */
  readonly maxWidth?: number;
  readonly align?: 'left' | 'right';
}

/** A cell with nothing to show, so that a column never looks shifted. */
export const NONE = '-';
const GAP = '  ';

/**
 * Rows under a header line, each column as wide as its widest cell. Cells are outside text (IDs,
 * names, errors, messages as received): their control characters are escaped so that none can
 * break a row or drive the terminal.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly (string | undefined)[])[],
): string {
  const cells = rows.map((row) => columns.map((column, i) => cell(row[i], column.maxWidth)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i].length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((text, i) =>
        columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]),
      )
      .join(GAP)
      .trimEnd();
  return `${[columns.map((column) => column.header), ...cells].map(line).join('\n')}\n`;
}

/** `name  value` lines, names aligned; fields without a value are left out. Values are escaped. */
export function renderFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter((field): field is [string, string] => field[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${name.padEnd(width)}${GAP}${printable(value)}\n`).join('');
}

function cell(text: string | undefined, maxWidth = Infinity): string {
  if (text === undefined || text === '') return NONE;
  const safe = printable(text);
  return safe.length > maxWidth ? `${safe.slice(0, maxWidth - 1)}…` : safe;
}
