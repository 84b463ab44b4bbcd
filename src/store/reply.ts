import { UnexpectedReplyError } from './errors';
import { codeName, type CodeGroup, type CodeOf } from './script-codes';

/** Checks of script replies; each throws UnexpectedReplyError naming the command. */

export function asArray(command: string, reply: unknown, head: number, stride: number): unknown[] {
  if (!Array.isArray(reply) || reply.length < head || (reply.length - head) % stride !== 0) {
    const shape = head > 0 ? `${head} leading element(s) then groups of ${stride}` : 'an array';
    throw new UnexpectedReplyError(command, `expected ${shape}`, reply);
  }
  return reply as unknown[];
}

export function asInt(command: string, value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new UnexpectedReplyError(command, `expected an integer ${what}`, value);
  }
  return n;
}

export function asString(command: string, value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new UnexpectedReplyError(command, `expected a string ${what}`, value);
  }
  return value;
}

/** The name of a status code in a script's reply; an unknown code is an unexpected reply. */
export function code<G extends CodeGroup>(command: string, group: G, value: unknown): CodeOf<G> {
  const name = codeName(group, asInt(command, value, 'status code'));
  if (name === undefined) throw new UnexpectedReplyError(command, 'unknown status code', value);
  return name;
}

export function execResults(command: string, results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new UnexpectedReplyError(command, 'transaction was discarded', results);
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
