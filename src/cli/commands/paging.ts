import { Option } from 'commander';
import { MAX_PAGE_SIZE, parseCursor, parsePageSize } from '../arguments';

/** The options of a paged listing. */
export interface PageFlags {
  readonly limit: number;
  readonly cursor?: number;
}

export function limitOption(defaultSize: number): Option {
  return new Option('--limit <n>', `entries per page, 1 to ${MAX_PAGE_SIZE}`)
    .argParser(parsePageSize)
    .default(defaultSize);
}

export function cursorOption(): Option {
  return new Option(
    '--cursor <cursor>',
    'where to start: the cursor a previous page printed',
  ).argParser(parseCursor);
}

/** A page's table (or that it is empty), then how to ask for the next page when there is one. */
export function renderPage<T>(
  items: readonly T[],
  cursor: string | null,
  what: string,
  table: (items: readonly T[]) => string,
): string {
  const more = cursor === null ? '' : `\nMore: add --cursor ${cursor} for the next page.\n`;
  if (items.length > 0) return table(items) + more;
  return `No ${what}${cursor === null ? '' : ' on this page'}.\n${more}`;
}
