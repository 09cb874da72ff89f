import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { segmentInfo } from '../../i18n/segments';
import { getMessage, type MessageRow } from '../../staff/inbox';
import { staffOf } from '../middleware/auth';
import { idParam, parseBody } from './validate';

export function presentMessage(m: MessageRow) {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    body: m.body,
    /** What staff wrote, when the family got a translation of it. */
    original: m.originalBody === null ? null : { body: m.originalBody, language: m.originalLanguage },
    status: m.status,
    from: m.fromNumber,
    to: m.toNumber,
    providerSid: m.providerSid,
    errorCode: m.errorCode,
    failureReason: m.failureReason,
    scheduledFor: m.scheduledFor,
    createdAt: m.createdAt,
  };
}

const previewBody = z.strictObject({
  body: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).max(1600, 'must be at most 1600 characters'),
});

export function messagesRouter(deps: Deps): Router {
  const r = Router();

  // Before /:id so "preview" is never read as an id.
  r.post('/preview', (req, res) => {
    staffOf(req);
    const { body } = parseBody(previewBody, req);
    const info = segmentInfo(body);
    res.json({ encoding: info.encoding, segments: info.segments, characters: info.characters });
  });

  r.get('/:id', async (req, res) => {
    const { message: m, events } = await getMessage(deps, staffOf(req), idParam(req, 'Message'));
    res.json({
      ...presentMessage(m),
      conversationId: m.conversationId,
      segments: m.segments,
      encoding: m.encoding,
      language: m.language,
      staffId: m.staffId,
      urgent: m.urgent,
      sentAt: m.sentAt,
      updatedAt: m.updatedAt,
      events: events.map((e) => ({ status: e.status, errorCode: e.errorCode, source: e.source, at: e.at })),
    });
  });

  return r;
}
