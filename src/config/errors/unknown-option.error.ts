/** A `DelayTaskModule` option the engine does not have, most likely a misspelt one. */
export class UnknownOptionError extends Error {
  constructor(option: string, closest: string) {
    super(`DelayTaskModule has no option ${option}; did you mean ${closest}?`);
    this.name = 'UnknownOptionError';
  }
}
