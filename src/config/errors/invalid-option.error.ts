/** A `DelayTaskModule` option holds a value the engine cannot use; the message names it and what it accepts. */
export class InvalidOptionError extends Error {
  constructor(option: string, shownValue: string, accepts: string) {
    super(
      `DelayTaskModule option ${option}=${shownValue} is invalid: ${option} accepts ${accepts}.`,
    );
    this.name = 'InvalidOptionError';
  }
}
