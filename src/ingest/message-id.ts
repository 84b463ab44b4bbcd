import { createHash } from 'node:crypto';

/** Hex digits of the SHA-256 digest kept: 128 bits, so two different messages never share an ID. */
const DIGEST_HEX_CHARS = 32;

/**
 * The ID of a task sent without one, derived from the message text as received: every instance
 * that hears the message derives the same ID, so the fleet stores it as one task. Two identical
 * ID-less messages are therefore the same task.
 */
export function messageId(text: string): string {
  return `msg:${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, DIGEST_HEX_CHARS)}`;
}
