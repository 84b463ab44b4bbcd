export class InvalidTaskHandlerError extends Error {
  constructor(className: string, reason: string) {
    super(`@DelayTask class ${className} cannot be used: ${reason}.`);
    this.name = 'InvalidTaskHandlerError';
  }
}
