/** A configuration problem: printed as one line, exit status 2, never a stack trace. */
export class ExampleConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExampleConfigError';
  }
}
