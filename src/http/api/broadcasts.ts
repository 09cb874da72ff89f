import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { normaliseLanguage } from '../../families/codes';
import { createBroadcast, findBroadcast, getBroadcastView, listBroadcastViews, viewOf } from '../../reminders/broadcasts';
import { cancelBroadcast, mustHaveMoved, pauseBroadcast, resumeBroadcast } from '../../reminders/control';
import type { AudienceInput, BroadcastInput } from '../../reminders/model';
import { isReminderTemplate } from '../../reminders/templates';
import { previewBroadcast } from '../../reminders/preview';
import { broadcastReport, broadcastReportCsv } from '../../reminders/report';
import type { StaffPrincipal } from '../../staff/scope';
import { staffOf } from '../middleware/auth';
import { bodyId, expected, gradeField } from './fields';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery, queryId } from './validate';

/**
 * Bulk reminders (src/reminders), school and district admins only:
 *   POST /broadcasts          {"schoolId","audience":{"type":"school"|"grades"|"classes"|"students","grades":[],"ids":[]},
 *                              "texts":{"en":"…","es":"…"},"sendAt":ISO|null,"localTime":"HH:MM"|null,"urgent":false} → 201
 *                             or, instead of "texts", "reminder":{"id":"conference","slots":{"date":"2026-11-20",…}}: a school
 *                             reminder (GET /reminders) the server writes in each language of the audience, stored as its texts;
 *                             students' "ids" are FamilyLine ids (numbers) or the roster's student ids (strings)
 *   POST /broadcasts/preview  the same body: counts, languages, segments and cost, who is skipped and why; nothing stored
 *   GET /broadcasts[?schoolId=], GET /broadcasts/:id  (with counts by status and the guardrail's banner)
 *   POST /broadcasts/:id/pause|resume|cancel
 *   GET /broadcasts/:id/report, /broadcasts/:id/report.csv
 */

const MAX_IDS = 5000;
const rosterId = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
const audienceBody = z
  .strictObject({
    type: z.enum(['school', 'grades', 'classes', 'students'], { error: expected('must be school, grades, classes or students') }),
    grades: z.array(gradeField, { error: 'must be a list of grades' }).max(14, 'at most 14 grades').optional(),
    // Students also by the roster's own id (a string): see AudienceInput.
    ids: z.array(z.union([bodyId, rosterId], { error: 'must be numeric ids (or, for students, the roster\'s student ids as strings)' }), { error: 'must be a list of ids' }).max(MAX_IDS, `at most ${MAX_IDS} ids`).optional(),
  }, { error: expected('must be an object with a type') })
  .superRefine((v, ctx) => {
    if (v.type === 'grades' && !v.grades?.length) ctx.addIssue({ code: 'custom', path: ['grades'], message: 'must list at least one grade' });
    if (v.type === 'classes' && v.ids?.some((id) => typeof id === 'string')) ctx.addIssue({ code: 'custom', path: ['ids'], message: 'must be numeric class ids' });
    if ((v.type === 'classes' || v.type === 'students') && !v.ids?.length) ctx.addIssue({ code: 'custom', path: ['ids'], message: `must list at least one ${v.type === 'classes' ? 'class' : 'student'} id` });
  })
  .transform((v): AudienceInput => {
    if (v.type === 'grades') return { type: 'grades', grades: [...new Set(v.grades)] };
    if (v.type === 'classes') return { type: 'classes', ids: [...new Set(v.ids as number[])] };
    if (v.type === 'students') return { type: 'students', ids: [...new Set(v.ids)] };
    return { type: 'school' };
  });

const textsBody = z
  .record(z.string().max(20), z.string({ error: 'must be the text' }).trim().min(1, 'must not be empty').max(1600, 'must be at most 1,600 characters'), {
    error: expected('must be an object of texts by language, e.g. {"en": "…"}'),
  })
  .transform((v, ctx) => {
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(v)) {
      const code = normaliseLanguage(key);
      if (!code) ctx.addIssue({ code: 'custom', path: [key], message: 'is not an ISO 639-1 language code such as en or es' });
      else out[code] = text;
    }
    if (!out.en) ctx.addIssue({ code: 'custom', path: ['en'], message: 'is required: families whose language has no text get the English one' });
    return out;
  });

const SLOT_MAX = 200;
const slotField = z.string({ error: 'must be a string' }).max(SLOT_MAX, `must be at most ${SLOT_MAX} characters`).optional();
/** A school reminder instead of texts: which one, and what the school fills in (templates.ts checks each slot). */
const reminderBody = z.strictObject(
  {
    id: z.string({ error: expected('must be a reminder id from GET /api/v1/reminders') }).refine(isReminderTemplate, 'is not a reminder: see GET /api/v1/reminders'),
    slots: z
      .strictObject({ date: slotField, time: slotField, endTime: slotField, event: slotField, link: slotField }, { error: expected('must be an object of slot values, e.g. {"date": "2026-11-20"}') })
      .optional(),
  },
  { error: expected('must be an object with a reminder id and its slots') },
);

/** The broadcast a request asks for; the console's compose form is read into this same shape. */
export const broadcastBody = z
  .strictObject({
    schoolId: bodyId,
    audience: audienceBody,
    texts: textsBody.optional(),
    reminder: reminderBody.optional(),
    sendAt: z.iso.datetime({ offset: true, error: 'must be an ISO date-time such as 2026-11-18T17:00:00-05:00' }).nullable().optional(),
    localTime: z.string({ error: 'must be HH:MM' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)').nullable().optional(),
    urgent: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((v) => !(v.sendAt && v.localTime), { path: ['localTime'], message: 'give sendAt or localTime, not both' })
  .superRefine((v, ctx) => {
    if (v.texts && v.reminder) ctx.addIssue({ code: 'custom', path: ['reminder'], message: 'give texts or a reminder, not both' });
    if (!v.texts && !v.reminder) ctx.addIssue({ code: 'custom', path: ['texts'], message: 'is required, unless a reminder is given' });
  })
  .transform((v): BroadcastInput => {
    const common = { schoolId: v.schoolId, audience: v.audience, sendAt: v.sendAt ?? null, localTime: v.localTime ?? null, urgent: v.urgent ?? false };
    return v.reminder ? { ...common, reminder: { id: v.reminder.id, slots: v.reminder.slots ?? {} } } : { ...common, texts: v.texts! };
  });

const listQuery = z.strictObject({ ...pageQuery, schoolId: queryId.optional() });

const broadcastOf = (req: Request) => idParam(req, 'Broadcast');

export function broadcastsRouter(deps: Deps): Router {
  const r = Router();

  r.post('/preview', async (req, res) => {
    res.json(await previewBroadcast(deps, staffOf(req), parseBody(broadcastBody, req)));
  });

  r.post('/', async (req, res) => {
    res.status(201).json(await createBroadcast(deps, staffOf(req), parseBody(broadcastBody, req)));
  });

  r.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const before = decodeCursor(idCursor, q.cursor);
    const rows = await listBroadcastViews(deps, staffOf(req), { schoolId: q.schoolId, limit, beforeId: before?.[0] });
    const listed = page(rows, limit, (b) => b, (b) => [b.id]);
    res.json({ ...listed, items: await Promise.all(listed.items.map((b) => viewOf(deps, b))) });
  });

  r.get('/:id', async (req, res) => {
    res.json(await getBroadcastView(deps, staffOf(req), broadcastOf(req)));
  });

  const control = (action: 'pause' | 'resume' | 'cancel') =>
    r.post(`/:id/${action}`, async (req, res) => {
      const row = await findBroadcast(deps, staffOf(req), broadcastOf(req));
      const moved =
        action === 'pause' ? await pauseBroadcast(deps, row.id, 'staff') : action === 'resume' ? await resumeBroadcast(deps, row.id) : await cancelBroadcast(deps, row.id);
      res.json(await viewOf(deps, mustHaveMoved(moved, action)));
    });
  control('pause');
  control('resume');
  control('cancel');

  r.get('/:id/report', async (req, res) => {
    res.json(await broadcastReport(deps, staffOf(req), broadcastOf(req)));
  });

  r.get('/:id/report.csv', async (req, res) => {
    await sendReportCsv(deps, staffOf(req), broadcastOf(req), res);
  });

  return r;
}

/** The report as a CSV download, streamed (the API's and the console's). */
export async function sendReportCsv(deps: Deps, who: StaffPrincipal, id: number, res: Response): Promise<void> {
  const lines = broadcastReportCsv(deps, who, id);
  // The first line is read before any header is sent, so a 404 or 403 is still an ordinary answer.
  const head = await lines.next();
  res.type('text/csv; charset=utf-8').attachment(`broadcast-${id}-report.csv`);
  if (!head.done) res.write(head.value);
  for await (const line of lines) res.write(line);
  res.end();
}
