/**
 * Twilio's default opt-out handling on long codes and toll-free numbers: these English words,
 * as the whole body, any case, answered with Twilio's own texts. Other languages' words are the
 * service's job (Twilio does not know them), so the simulator ignores them too.
 */

export type KeywordType = 'STOP' | 'START' | 'HELP';

const WORDS: Record<string, KeywordType> = {
  STOP: 'STOP',
  STOPALL: 'STOP',
  UNSUBSCRIBE: 'STOP',
  CANCEL: 'STOP',
  END: 'STOP',
  QUIT: 'STOP',
  REVOKE: 'STOP',
  OPTOUT: 'STOP',
  START: 'START',
  YES: 'START',
  UNSTOP: 'START',
  HELP: 'HELP',
  INFO: 'HELP',
};

export const KEYWORD_REPLIES: Record<KeywordType, string> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START:
    'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};

export function standardKeyword(body: string): KeywordType | null {
  return WORDS[body.trim().toUpperCase()] ?? null;
}
