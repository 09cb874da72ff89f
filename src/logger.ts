import pino from 'pino';
import { maskPhone } from './lib/phone';

export type Logger = pino.Logger;

/** JSON logs, one line per event. Message bodies never at info level; numbers pass through maskPhone. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['body', '*.body', 'req.headers.authorization', 'authToken', '*.authToken'], censor: '[redacted]' },
  });
}

export { maskPhone };
