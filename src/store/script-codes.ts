/**
 * The status codes the scripts answer with, in one place for both sides: the loader writes them
 * into every script that includes `codes` (as Lua tables named like these groups in upper snake case: `taskState` is `TASK_STATE`),
 * and TaskStore reads replies with them.
 */
export const SCRIPT_CODES = {
  accept: { duplicate: 0, stored: 1, rescheduled: 2, completed: 3, replayed: 4 },
  start: { stale: 0, started: 1, notDue: 2, superseded: 3, stalled: 4 },
  complete: { stale: 0, done: 1, next: 2, failed: 3, released: 4, retry: 5 },
  lost: { takenOver: 1, rescheduled: 2, removed: 3, cancelled: 4 },
  cancel: { notFound: 0, cancelled: 1, running: 2, alreadyCancelled: 3 },
  requeue: { notFound: 0, requeued: 1, notFinished: 2 },
  taskState: { notFound: 0, pending: 1, running: 2, failed: 3, cancelled: 4, done: 5 },
} as const;

type Codes = typeof SCRIPT_CODES;
export type CodeGroup = keyof Codes;
export type CodeOf<G extends CodeGroup> = keyof Codes[G] & string;
export type AcceptStatus = CodeOf<'accept'>;
export type CompleteCode = CodeOf<'complete'>;
export type LostReason = CodeOf<'lost'>;
export type CancelCode = CodeOf<'cancel'>;
export type RequeueCode = CodeOf<'requeue'>;

/** The name of the code `value` in `group`, or undefined for a value the group does not have. */
export function codeName<G extends CodeGroup>(group: G, value: number): CodeOf<G> | undefined {
  const codes = SCRIPT_CODES[group] as Readonly<Record<string, number>>;
  for (const name of Object.keys(codes)) if (codes[name] === value) return name as CodeOf<G>;
  return undefined;
}

/** `taskState` -> `TASK_STATE`. */
function upperSnake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
}

/** The `codes` include: `local ACCEPT = { duplicate = 0, ... }` and so on for every group. */
export function codesInclude(): string {
  return Object.entries(SCRIPT_CODES)
    .map(([group, codes]) => {
      const fields = Object.entries(codes).map(([name, value]) => `${name} = ${value}`);
      return `local ${upperSnake(group)} = { ${fields.join(', ')} }`;
    })
    .join('\n');
}
