import pino from 'pino';
import { maskPhone } from './lib/phone';
import { serializeError } from './log-errors';

export type Logger = pino.Logger;

/**
 * JSON logs, one line per event. Message bodies never at info level; numbers pass through
 * maskPhone; a logged error never carries the values of a failed query (log-errors.ts).
 * Lines go to stdout unless a destination is given (tests read them to prove what never appears).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    serializers: { err: serializeError, error: serializeError },
    redact: { paths: ['body', '*.body', 'req.headers.authorization', 'authToken', '*.authToken'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export { maskPhone };
