export class DuplicateTaskNameError extends Error {
  constructor(name: string, first: string, second: string) {
    super(
      `Task name "${name}" is claimed by both ${first} and ${second}; give each @DelayTask class its own name.`,
    );
    this.name = 'DuplicateTaskNameError';
  }
}
