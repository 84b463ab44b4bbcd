import { InvalidArgumentError } from 'commander';
import { SCRIPT_CODES } from '../store/script-codes';
import type { TaskState } from '../store/operations-store';

/** The states `list` takes: every state a task can be found in. */
export const TASK_STATES: readonly TaskState[] = Object.keys(SCRIPT_CODES.taskState).filter(
  (state): state is TaskState => state !== 'notFound',
);

/** The most entries one page may hold: each task of a page is one script call. */
export const MAX_PAGE_SIZE = 1000;

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
