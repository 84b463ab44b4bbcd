/** The Lua scripts of the task store could not be found or read. */
export class ScriptLoadError extends Error {
  override readonly name = 'ScriptLoadError';

  constructor(
    readonly folder: string,
    readonly missing: readonly string[],
    cause?: unknown,
  ) {
    super(
      `Task store scripts missing in ${folder}: ${missing.join(', ')}. ` +
        'Each must be a file named <script>-<numberOfKeys>.lua; for a build, check that ' +
        'nest-cli.json copies store/lua/**/*.lua to dist (assets) and rebuild.',
      { cause },
    );
  }
}
