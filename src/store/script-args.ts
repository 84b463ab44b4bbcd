import { StoreArgumentError } from './errors';
import type { ScriptArg } from './redis-commands';
import type { ClaimRef } from '../domain/claim';

/** Checks of what goes into a script: each throws StoreArgumentError naming the argument. */

export function ms(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreArgumentError(name, value, 'a whole number of milliseconds >= 0');
  }
  return value;
}

export function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StoreArgumentError(name, value, 'a whole number >= 1');
  }
  return value;
}

export function optionalMs(name: string, value: number | null): number | '' {
  return value === null ? '' : ms(name, value);
}

export function token(value: number): number {
  return positive('token', value);
}

export function pairs(claims: readonly ClaimRef[]): ScriptArg[] {
  return claims.flatMap((c) => [c.id, token(c.token)]);
}
