import type { Router } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { classRoster, familyPage } from '../../staff/contacts';
import { listClasses } from '../../staff/roster';
import { messageFamily, replyTiming, viewConversation } from '../../staff/inbox';
import { may } from '../../staff/scope';
import { staffOf } from '../middleware/auth';
import { idParam } from '../api/validate';
import { fmt, quietHoursWarning } from './format';
import { queuedMessage, readReplyForm } from './conversation';
import type { Page } from './page';
import { languageNotice } from './language';
import type { Request, Response } from 'express';

/** Classes → a class's students and guardians → a family, with a form to write to it. */
export function familyRoutes(r: Router, deps: Deps, page: Page): void {
  r.get('/classes', async (req, res) => {
    const classes = await listClasses(deps, staffOf(req), { limit: 500 });
    page(req, res, 'classes', { title: 'Classes and families', section: 'classes', classes: classes.slice(0, 500) });
  });

  r.get('/classes/:id', async (req, res) => {
    const who = staffOf(req);
    const roster = await classRoster(deps, who, idParam(req, 'Class'));
    const flash = req.session.flash ?? null;
    delete req.session.flash;
    page(req, res, 'class', { title: roster.title, section: 'classes', roster, viewer: who, fmt, flash });
  });

  const showFamily = async (req: Request, res: Response, form: { draft?: string; error?: string | null } = {}, status = 200) => {
    const who = staffOf(req);
    const id = idParam(req, 'Family');
    const family = await familyPage(deps, who, id);
    const view = family.conversation ? await viewConversation(deps, who, family.conversation.id) : null;
    const timing = family.conversation ? await replyTiming(deps, who, family.conversation.id) : null;
    const flash = req.session.flash ?? null;
    delete req.session.flash;
    page(
      req,
      res,
      'family',
      {
        title: family.family.displayName,
        section: 'classes',
        scripts: ['segments.js', 'live.js', 'reply.js'],
        family,
        view,
        viewer: who,
        fmt,
        now: deps.clock.now(),
        quietWarning: timing ? quietHoursWarning(timing, deps.clock.now()) : null,
        quietSrc: family.conversation ? `/console/conversations/${family.conversation.id}/quiet-hours` : '',
        mayUrgent: may.sendUrgent(who),
        draft: form.draft ?? '',
        error: form.error ?? null,
        flash,
        action: `/console/families/${id}/messages`,
        languageNotice: languageNotice(req, id, family.family.languageSuggestion, null),
      },
      status,
    );
  };

  r.get('/families/:id', (req, res) => showFamily(req, res));

  r.post('/families/:id/messages', async (req, res) => {
    const who = staffOf(req);
    const id = idParam(req, 'Family');
    const form = readReplyForm(req);
    if (!form.ok) return showFamily(req, res, { draft: form.draft, error: form.error }, 400);
    try {
      const result = await messageFamily(deps, who, id, { body: form.body, urgent: form.urgent });
      const timing = await replyTiming(deps, who, result.conversationId);
      req.session.flash = queuedMessage(result, timing.timezone, deps.clock.now());
    } catch (err) {
      if (err instanceof AppError && (err.status === 409 || err.status === 403)) return showFamily(req, res, { draft: form.body, error: err.message }, err.status);
      throw err;
    }
    res.redirect(303, `/console/families/${id}#reply-status`);
  });
}
