/** A store script or command answered in a shape the store does not understand. */
export class UnexpectedReplyError extends Error {
  override readonly name = 'UnexpectedReplyError';

  constructor(
    readonly command: string,
    readonly problem: string,
    readonly reply: unknown,
  ) {
    super(
      `Task store ${command}: ${problem}; got ${preview(reply)}. ` +
        'The Lua script that Redis ran does not match this code: make sure every instance runs ' +
        'the same build and that nothing else defines a script with the same name.',
    );
  }
}

function preview(reply: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(reply) ?? String(reply);
  } catch {
    text = String(reply);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
