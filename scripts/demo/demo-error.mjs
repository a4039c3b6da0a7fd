/** A failure the demo explains in one line: a stable code, a message, and the process exit code. */
export class DemoError extends Error {
  /** Exit codes follow the CLI: 2 bad flags, 4 something missing, 5 environment. */
  static EXIT_CODES = { INVALID_ARGUMENT: 2, ASSETS_NOT_FOUND: 4, BUILD_MISSING: 4, PORT_BUSY: 5, EDGE_START_FAILED: 5, EDGE_REQUEST_FAILED: 5, CLI_FAILED: 1 };

  constructor(code, message) {
    super(message);
    this.name = 'DemoError';
    this.code = code;
    this.exitCode = DemoError.EXIT_CODES[code] ?? 1;
  }
}
