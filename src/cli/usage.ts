/** A command line that does not say what to do: answered with the usage text and exit code 2. */
export class UsageError extends Error {}
