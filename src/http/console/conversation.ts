import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { may } from '../../staff/scope';
import { replyTiming, replyToConversation, viewConversation } from '../../staff/inbox';
import { staffOf } from '../middleware/auth';
import { idParam } from '../api/validate';
import { fmt, quietHoursWarning, sendsAtText } from './format';
import type { Page } from './page';
import { renderFragment } from './render';
import { languageSuggestionOf } from '../../families/families';
import { languageNotice } from './language';

/** The reply form's fields: the API's limits (1..1600 characters after trimming). */
export const replyForm = z.object({
  body: z.string().trim().min(1, 'Write a message first.').max(1600, 'A text can be at most 1600 characters.'),
  urgent: z.literal('on').optional(),
});

export function readReplyForm(req: Request): { ok: true; body: string; urgent: boolean } | { ok: false; error: string; draft: string } {
  const parsed = replyForm.safeParse(req.body ?? {});
  const draft = typeof req.body?.body === 'string' ? req.body.body.slice(0, 2000) : '';
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'The message could not be read.', draft };
  return { ok: true, body: parsed.data.body, urgent: parsed.data.urgent === 'on' };
}

/** What a sent reply's flash says: when it leaves. */
export function queuedMessage(result: { status: string; scheduledFor: string | null }, zone: string, now: number): string {
  if (result.status === 'held' && result.scheduledFor) return `Reply saved. Quiet hours: it will be delivered at ${sendsAtText(Date.parse(result.scheduledFor), zone, now)}.`;
  if (result.status === 'blocked') return 'Reply saved, but not sent: this number opted out of texts.';
  return 'Reply sent.';
}

export function conversationRoutes(r: Router, deps: Deps, page: Page): void {
  const show = async (req: Request, res: Response, form: { draft?: string; error?: string | null } = {}, status = 200) => {
    const who = staffOf(req);
    const id = idParam(req, 'Conversation');
    const view = await viewConversation(deps, who, id);
    const timing = await replyTiming(deps, who, id);
    const flash = req.session.flash ?? null;
    delete req.session.flash;
    const title = view.conversation.familyName ?? `Unknown number ${fmt.phoneFor(who, view.conversation.unmatchedNumber)}`;
    const familyId = view.conversation.familyId;
    const suggestion = familyId === null ? null : await languageSuggestionOf(deps, who, familyId);
    page(
      req,
      res,
      'conversation',
      {
        title,
        section: 'inbox',
        scripts: ['segments.js', 'live.js', 'reply.js'],
        view,
        viewer: who,
        fmt,
        now: deps.clock.now(),
        quietWarning: quietHoursWarning(timing, deps.clock.now()),
        mayUrgent: may.sendUrgent(who),
        draft: form.draft ?? '',
        error: form.error ?? null,
        flash,
        action: `/console/conversations/${id}/reply`,
        quietSrc: `/console/conversations/${id}/quiet-hours`,
        languageNotice: languageNotice(req, familyId, suggestion, id),
      },
      status,
    );
  };

  r.get('/conversations/:id', (req, res) => show(req, res));

  // The thread alone, fetched again by live.js when this conversation changes.
  r.get('/conversations/:id/thread', async (req, res) => {
    const who = staffOf(req);
    const view = await viewConversation(deps, who, idParam(req, 'Conversation'));
    renderFragment(res, 'thread', { view, viewer: who, fmt });
  });

  // Read again by reply.js every minute, so a page left open past 20:00 starts warning.
  r.get('/conversations/:id/quiet-hours', async (req, res) => {
    const timing = await replyTiming(deps, staffOf(req), idParam(req, 'Conversation'));
    res.json({ warning: quietHoursWarning(timing, deps.clock.now()) });
  });

  r.post('/conversations/:id/reply', async (req, res) => {
    const who = staffOf(req);
    const id = idParam(req, 'Conversation');
    const form = readReplyForm(req);
    if (!form.ok) return show(req, res, { draft: form.draft, error: form.error }, 400);
    try {
      const result = await replyToConversation(deps, who, id, { body: form.body, urgent: form.urgent });
      const timing = await replyTiming(deps, who, id);
      req.session.flash = queuedMessage(result, timing.timezone, deps.clock.now());
    } catch (err) {
      // A family without a number (409) or an urgent text from a teacher (403): said on the page, draft kept.
      if (err instanceof AppError && (err.status === 409 || err.status === 403)) return show(req, res, { draft: form.body, error: err.message }, err.status);
      throw err;
    }
    res.redirect(303, `/console/conversations/${id}#reply-status`);
  });
}
