import type { DeadLetter } from '../dead-letters';
import { renderTable, type Column } from './table';

const DEAD_LETTER_COLUMNS: readonly Column[] = [
  { header: 'AT' },
  { header: 'ID' },
  { header: 'FORMAT' },
  { header: 'REASON', maxWidth: 80 },
  { header: 'MESSAGE', maxWidth: 60 },
];

/** Dead letters, newest first; a cut message says how large it was. */
export function renderDeadLetters(entries: readonly DeadLetter[]): string {
  return renderTable(
    DEAD_LETTER_COLUMNS,
    entries.map((entry) => [
      entry.at,
      entry.id,
      entry.format,
      entry.reason,
      entry.truncated ? `(${entry.bytes ?? '?'} bytes, cut) ${entry.message}` : entry.message,
    ]),
  );
}
