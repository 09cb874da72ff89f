import type { MessageRow } from '../../db/repositories/messages';
import { nextSendTime } from './quiet-hours';

export interface PolicyContext {
  optedOut: boolean;
  timezone: string;
  /** Automated texts (nudges, reminders) wait while a family has paused them. */
  pausedUntilMs: number | null;
}

export type PolicyDecision = { action: 'send' } | { action: 'block'; reason: string } | { action: 'hold'; untilMs: number };

const AUTOMATED = new Set(['nudge', 'reminder']);

/**
 * The send-time rules, in order: an opted-out number gets nothing (bar the one confirmation of
 * its opt-out); a paused family gets no automated texts; nothing non-urgent leaves in quiet hours.
 */
export function decideSend(message: Pick<MessageRow, 'urgent' | 'confirmsOptOut' | 'kind'>, ctx: PolicyContext, nowMs: number): PolicyDecision {
  if (ctx.optedOut && !message.confirmsOptOut) return { action: 'block', reason: 'opted_out' };
  // An urgent reminder (a closure) reaches a paused family too; a nudge is never urgent.
  if (AUTOMATED.has(message.kind) && !message.urgent && ctx.pausedUntilMs !== null && ctx.pausedUntilMs > nowMs) {
    // A reminder is about a date ("conferences are Thursday"): weeks late it would be wrong, so a
    // family that paused after the broadcast was fanned out does not get it at all.
    if (message.kind === 'reminder') return { action: 'block', reason: 'paused' };
    return { action: 'hold', untilMs: nextSendTime(ctx.pausedUntilMs, ctx.timezone) };
  }
  if (message.urgent) return { action: 'send' };
  const next = nextSendTime(nowMs, ctx.timezone);
  return next > nowMs ? { action: 'hold', untilMs: next } : { action: 'send' };
}
