import { InvalidArgumentError } from 'commander';
import { MAX_PAGE_SIZE } from '../store/operations-store';

export { MAX_PAGE_SIZE, TASK_STATES } from '../store/operations-store';

/** `--limit`: a whole number of entries per page. */
export function parsePageSize(text: string): number {
  const size = wholeNumber(text);
  if (size === undefined || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(`Give a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

/** `--cursor`: the position a previous page named. */
export function parseCursor(text: string): number {
  const position = wholeNumber(text);
  if (position === undefined) {
    throw new InvalidArgumentError('Give the cursor a previous page printed (a whole number).');
  }
  return position;
}

function wholeNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
