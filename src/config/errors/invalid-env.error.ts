/** A configuration variable holds a value the service cannot use; the message names it and what it accepts. */
export class InvalidEnvError extends Error {
  constructor(variable: string, value: string, accepts: string) {
    super(`${variable}=${JSON.stringify(value)} is invalid: ${variable} accepts ${accepts}.`);
    this.name = 'InvalidEnvError';
  }
}
