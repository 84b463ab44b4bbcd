/** A task store method or factory was called with a value it cannot use. */
export class StoreArgumentError extends Error {
  override readonly name = 'StoreArgumentError';

  constructor(
    readonly argument: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Task store: ${argument} = ${String(value)} is invalid; pass ${expected}.`);
  }
}
