import crypto from 'node:crypto';
import type { Request, RequestHandler, Response, Router } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { cancelBroadcast, pauseBroadcast, resumeBroadcast } from '../../reminders/control';
import { previewBroadcast } from '../../reminders/preview';
import {
  broadcastDetail,
  broadcastListing,
  broadcastReportPage,
  broadcastSchools,
  composeChoices,
  createBroadcastOnce,
  guardrailPausedFor,
  type ComposeChoices,
} from '../../reminders/console-pages';
import type { BroadcastInput, BroadcastPreview } from '../../reminders/model';
import type { ReminderSlot } from '../../reminders/templates';
import { staffOf } from '../middleware/auth';
import { broadcastBody, sendReportCsv } from '../api/broadcasts';
import { idParam } from '../api/validate';
import { fmt, fullTime } from './format';
import type { Page } from './page';

/**
 * Bulk reminders for school and district admins (the JSON API's broadcasts, as pages):
 *
 *   GET  /broadcasts                    the caller's schools' broadcasts, newest first
 *   GET  /broadcasts/new[?schoolId=]    compose: school, audience, texts or a school reminder, schedule, urgent
 *   POST /broadcasts/new                the preview (counts, languages, segments, cost, who is skipped), above the form again
 *   POST /broadcasts                    the previewed form (hidden) and its requestId → 303 to the broadcast
 *   GET  /broadcasts/:id                live progress, texts, Pause / Resume / Cancel, replies
 *   GET  /broadcasts/:id/progress       the counts alone, fetched again by live.js on each "broadcast" event
 *   GET  /broadcasts/:id/controls       Pause / Resume / Cancel as they fit the status, the same way
 *   POST /broadcasts/:id/pause|resume|cancel   (cancel needs its confirmation box ticked)
 *   GET  /broadcasts/:id/report[?after=]       the delivery report, a page of recipients at a time
 *   GET  /broadcasts/:id/report.csv     the API's CSV, for a signed-in admin
 *
 * The form is read into the API's body and checked by the API's own schema (broadcastBody), so a
 * field's message is the API's, shown next to that field.
 */

declare module 'express-session' {
  interface SessionData {
    /** A broadcast control's outcome, shown once on the broadcast's page. */
    broadcastFlash?: { id: number; text: string; kind: 'ok' | 'warn' };
  }
}

const SLOTS: readonly ReminderSlot[] = ['event', 'date', 'time', 'endTime', 'link'];
const SLOT_LABELS: Record<ReminderSlot, string> = { event: 'Event', date: 'Date', time: 'Time', endTime: 'Until', link: 'Web address' };
const LIST_LIMIT = 50;
const REPORT_LIMIT = 100;

/** The form as typed, re-shown whenever something needs fixing. */
export interface ComposeForm {
  schoolId: string;
  audience: 'school' | 'grades' | 'classes' | 'students';
  grades: string[];
  classIds: string[];
  studentIds: string;
  source: 'written' | 'reminder';
  texts: Record<string, string>;
  reminderId: string;
  slots: Partial<Record<ReminderSlot, string>>;
  when: 'now' | 'at' | 'local';
  sendAt: string;
  localTime: string;
  urgent: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown) => (Array.isArray(v) ? v.map(str) : typeof v === 'string' ? [v] : []).filter(Boolean).slice(0, 500);
const oneOf = <T extends string>(v: unknown, options: readonly T[], fallback: T): T => (options.includes(str(v) as T) ? (str(v) as T) : fallback);

function readForm(body: Record<string, unknown>): ComposeForm {
  const texts: Record<string, string> = {};
  const slots: Partial<Record<ReminderSlot, string>> = {};
  for (const [key, raw] of Object.entries(body)) {
    const text = /^text_([a-z]{2,3})$/.exec(key);
    if (text) texts[text[1]] = str(raw).slice(0, 2000);
    const slot = /^slot_(\w+)$/.exec(key);
    if (slot && (SLOTS as string[]).includes(slot[1])) slots[slot[1] as ReminderSlot] = str(raw).slice(0, 300);
  }
  return {
    schoolId: str(body.schoolId),
    audience: oneOf(body.audience, ['school', 'grades', 'classes', 'students'] as const, 'school'),
    grades: list(body.grades),
    classIds: list(body.classIds),
    studentIds: str(body.studentIds).slice(0, 60_000),
    source: oneOf(body.source, ['written', 'reminder'] as const, 'written'),
    texts,
    reminderId: str(body.reminderId),
    slots,
    when: oneOf(body.when, ['now', 'at', 'local'] as const, 'now'),
    sendAt: str(body.sendAt),
    localTime: str(body.localTime),
    urgent: body.urgent === 'true',
  };
}

const emptyForm = (schoolId: number): ComposeForm => ({
  schoolId: String(schoolId),
  audience: 'school',
  grades: [],
  classIds: [],
  studentIds: '',
  source: 'written',
  texts: {},
  reminderId: '',
  slots: {},
  when: 'now',
  sendAt: '',
  localTime: '',
  urgent: false,
});

/** API field ("audience.ids", "reminder.slots.date", "texts.es") → the form field it came from. */
function fieldOf(path: string, form: ComposeForm): string | null {
  if (path === 'schoolId' || path === 'sendAt' || path === 'localTime' || path === 'urgent') return path;
  if (path === 'audience' || path === 'audience.type') return 'audience';
  if (path.startsWith('audience.grades')) return 'grades';
  if (path.startsWith('audience.ids')) return form.audience === 'classes' ? 'classIds' : 'studentIds';
  if (path === 'texts') return 'text_en';
  const text = /^texts\.([a-z]{2,3})$/.exec(path);
  if (text) return `text_${text[1]}`;
  const slot = /^(?:reminder\.)?slots\.(\w+)$/.exec(path);
  if (slot) return `slot_${slot[1]}`;
  if (path.startsWith('reminder')) return 'reminderId';
  return null;
}

const sentence = (s: string) => {
  const t = s.trim();
  return t ? `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
};

interface Checked {
  input: BroadcastInput | null;
  errors: Record<string, string>;
  formError: string | null;
}

/** The form → the API's body → broadcastBody, so the console takes exactly what the API takes. */
function checkForm(form: ComposeForm, timezone: string): Checked {
  const errors: Record<string, string> = {};
  const tokens = (raw: string[] | string) => (Array.isArray(raw) ? raw : raw.split(/[\s,;]+/)).map((p) => p.trim()).filter(Boolean);
  const ids = (raw: string[] | string, field: string) => {
    const parts = tokens(raw);
    const bad = parts.filter((p) => !/^[1-9]\d{0,14}$/.test(p));
    if (bad.length) errors[field] = `Not an id: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', …' : ''}. Ids are whole numbers, one per line or separated by commas.`;
    return parts.filter((p) => /^[1-9]\d{0,14}$/.test(p)).map(Number);
  };
  const audience =
    form.audience === 'grades'
      ? { type: 'grades', grades: form.grades }
      : form.audience === 'classes'
        ? { type: 'classes', ids: ids(form.classIds, 'classIds') }
        : form.audience === 'students'
          ? // What an office pastes is its roster's (SIS) student ids: sent as such, strings (AudienceInput).
            { type: 'students', ids: [...new Set(tokens(form.studentIds))] }
          : { type: 'school' };
  let sendAt: string | null = null;
  if (form.when === 'at') {
    const at = DateTime.fromISO(form.sendAt, { zone: timezone });
    if (!form.sendAt) errors.sendAt = 'Choose the date and time to send it.';
    else if (!at.isValid || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(form.sendAt)) errors.sendAt = 'Write the date and time as 2026-11-18T17:00.';
    else sendAt = at.toISO();
  }
  if (form.when === 'local' && !form.localTime) errors.localTime = 'Choose the time of day each family gets it.';
  const texts = Object.fromEntries(Object.entries(form.texts).filter(([, t]) => t.trim() !== ''));
  const slots = Object.fromEntries(Object.entries(form.slots).filter(([, v]) => v?.trim()));
  const body = {
    schoolId: Number(form.schoolId),
    audience,
    ...(form.source === 'reminder' ? { reminder: { id: form.reminderId, slots } } : { texts }),
    sendAt,
    localTime: form.when === 'local' && form.localTime ? form.localTime : null,
    urgent: form.urgent,
  };
  if (form.source === 'reminder' && !form.reminderId) errors.reminderId = 'Choose a reminder.';
  const parsed = broadcastBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOf(issue.path.map(String).join('.'), form);
      if (field && !errors[field]) errors[field] = sentence(issue.message);
    }
  }
  if (Object.keys(errors).length || !parsed.success) return { input: null, errors, formError: Object.keys(errors).length ? null : 'The form could not be read. Check each field and try again.' };
  return { input: parsed.data, errors, formError: null };
}

/** A domain refusal of the input (400), placed next to its fields. */
function placeErrors(err: AppError, form: ComposeForm, checked: Checked): void {
  for (const [path, message] of Object.entries(err.fields ?? {})) {
    const field = fieldOf(path, form);
    if (field) checked.errors[field] = sentence(message);
    else checked.formError = sentence(message);
  }
  if (!err.fields) checked.formError = err.message;
}

const sendForm = z.object({ requestId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) });

export function broadcastRoutes(r: Router, deps: Deps, page: Page): void {
  const showCompose = async (
    req: Request,
    res: Response,
    choices: ComposeChoices,
    form: ComposeForm,
    extra: { checked?: Checked; preview?: BroadcastPreview } = {},
    status = 200,
  ) => {
    const who = staffOf(req);
    const schools = await broadcastSchools(deps, who);
    page(
      req,
      res,
      'broadcast-new',
      {
        title: extra.preview ? `Preview broadcast: ${choices.school.name}` : `New broadcast: ${choices.school.name}`,
        section: 'broadcasts',
        scripts: ['segments.js', 'compose.js', 'broadcasts.js'],
        schools,
        choices,
        form,
        slots: SLOTS,
        slotLabels: SLOT_LABELS,
        errors: extra.checked?.errors ?? {},
        formError: extra.checked?.formError ?? null,
        preview: extra.preview ?? null,
        requestId: crypto.randomBytes(16).toString('base64url'),
        fmt,
        sendsAt: (iso: string) => fullTime(iso, choices.school.timezone),
      },
      status,
    );
  };

  r.get('/broadcasts', async (req, res) => {
    const who = staffOf(req);
    const before = typeof req.query.before === 'string' && /^[1-9]\d{0,14}$/.test(req.query.before) ? Number(req.query.before) : undefined;
    const listing = await broadcastListing(deps, who, { limit: LIST_LIMIT, beforeId: before });
    page(req, res, 'broadcasts', { title: 'Broadcasts', section: 'broadcasts', listing, fmt, statusWords: STATUS_WORDS });
  });

  r.get('/broadcasts/new', async (req, res) => {
    const who = staffOf(req);
    const asked = typeof req.query.schoolId === 'string' ? req.query.schoolId : '';
    const schools = await broadcastSchools(deps, who);
    if (!schools.length) throw AppError.notFound('School');
    const schoolId = asked ? (/^[1-9]\d{0,14}$/.test(asked) ? Number(asked) : NaN) : schools[0].id;
    if (!Number.isSafeInteger(schoolId)) throw AppError.notFound('School');
    const choices = await composeChoices(deps, who, schoolId);
    await showCompose(req, res, choices, emptyForm(choices.school.id));
  });

  /** The preview: what would happen, nothing stored; the form stays below it. */
  r.post('/broadcasts/new', async (req, res) => {
    const who = staffOf(req);
    const form = readForm(req.body ?? {});
    const choices = await composeChoices(deps, who, schoolIdOf(form));
    const checked = checkForm(form, choices.school.timezone);
    if (!checked.input) return showCompose(req, res, choices, form, { checked }, 400);
    try {
      const preview = await previewBroadcast(deps, who, checked.input);
      await showCompose(req, res, choices, form, { checked, preview });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      placeErrors(err, form, checked);
      await showCompose(req, res, choices, form, { checked }, 400);
    }
  });

  /** Send or schedule what was previewed, once per requestId. */
  r.post('/broadcasts', async (req, res) => {
    const who = staffOf(req);
    const form = readForm(req.body ?? {});
    const choices = await composeChoices(deps, who, schoolIdOf(form));
    const sent = sendForm.safeParse(req.body ?? {});
    if (!sent.success) throw new AppError(400, 'bad_request', 'This send form could not be read. Go back to the broadcast and preview it again.');
    const checked = checkForm(form, choices.school.timezone);
    if (!checked.input) return showCompose(req, res, choices, form, { checked }, 400);
    let created = null;
    // A second press while the first is still creating waits for its answer (it never creates another).
    for (let attempt = 0; created === null; attempt++) {
      try {
        created = await createBroadcastOnce(deps, who, checked.input, sent.data.requestId);
      } catch (err) {
        if (err instanceof AppError && err.code === 'in_progress' && attempt < 120) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          continue;
        }
        if (!(err instanceof AppError) || err.status !== 400) throw err;
        placeErrors(err, form, checked);
        checked.formError = `Nothing was sent. ${checked.formError ?? 'Fix what is marked below and preview again.'}`;
        return showCompose(req, res, choices, form, { checked }, 400);
      }
    }
    res.redirect(303, `/console/broadcasts/${created.id}`);
  });

  const showBroadcast = async (req: Request, res: Response, extra: { cancelError?: string } = {}, status = 200) => {
    const id = idParam(req, 'Broadcast');
    const detail = await broadcastDetail(deps, staffOf(req), id);
    const flash = req.session.broadcastFlash?.id === id ? req.session.broadcastFlash : null;
    delete req.session.broadcastFlash;
    page(
      req,
      res,
      'broadcast',
      { title: `Broadcast ${id}: ${detail.school.name}`, section: 'broadcasts', scripts: ['live.js'], ...detail, flash, cancelError: extra.cancelError ?? null, fmt, statusWords: STATUS_WORDS },
      status,
    );
  };

  r.get('/broadcasts/:id', (req, res) => showBroadcast(req, res));

  // The page's two live parts: the counts, and the buttons that fit the status now.
  for (const part of ['progress', 'controls'] as const) {
    r.get(`/broadcasts/:id/${part}`, async (req, res) => {
      const detail = await broadcastDetail(deps, staffOf(req), idParam(req, 'Broadcast'));
      page.fragment(req, res, `broadcast-${part}`, { ...detail, cancelError: null, statusWords: STATUS_WORDS });
    });
  }

  const control = (action: 'pause' | 'resume' | 'cancel') =>
    r.post(`/broadcasts/:id/${action}`, async (req, res) => {
      const id = idParam(req, 'Broadcast');
      const { view } = await broadcastDetail(deps, staffOf(req), id);
      if (action === 'cancel' && req.body?.confirm !== 'yes') {
        return showBroadcast(req, res, { cancelError: 'Tick the box to confirm: texts not sent yet will never be sent.' }, 400);
      }
      const moved = action === 'pause' ? await pauseBroadcast(deps, id, 'staff') : action === 'resume' ? await resumeBroadcast(deps, id) : await cancelBroadcast(deps, id);
      req.session.broadcastFlash = moved
        ? { id, kind: 'ok', text: CONTROL_DONE[action] }
        : { id, kind: 'warn', text: `Nothing changed: a broadcast that is ${STATUS_WORDS[view.status].toLowerCase()} cannot be ${CONTROL_PAST[action]}.` };
      res.redirect(303, `/console/broadcasts/${id}`);
    });
  control('pause');
  control('resume');
  control('cancel');

  r.get('/broadcasts/:id/report', async (req, res) => {
    const id = idParam(req, 'Broadcast');
    const afterRaw = typeof req.query.after === 'string' ? req.query.after : '0';
    if (!/^\d{1,15}$/.test(afterRaw)) throw AppError.validation({ after: 'must be a recipient id' });
    const report = await broadcastReportPage(deps, staffOf(req), id, { afterId: Number(afterRaw), limit: REPORT_LIMIT });
    page(req, res, 'broadcast-report', { title: `Delivery report: broadcast ${id}`, section: 'broadcasts', ...report, first: afterRaw === '0', viewer: staffOf(req), fmt, statusWords: STATUS_WORDS, reasons: SKIP_WORDS });
  });

  r.get('/broadcasts/:id/report.csv', async (req, res) => {
    await sendReportCsv(deps, staffOf(req), idParam(req, 'Broadcast'), res);
  });
}

/**
 * Every full page an admin opens says when one of their broadcasts paused itself (the layout's
 * banner). Live refreshes (live.js sends X-Live) and the event stream skip the look-up.
 */
export function guardrailBanner(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'GET' && req.staff && req.path !== '/events' && !req.get('x-live')) res.locals.guardrailPaused = await guardrailPausedFor(deps, req.staff);
    next();
  };
}

/** A school id the form names, or a 404 like any school the caller cannot see. */
function schoolIdOf(form: ComposeForm): number {
  if (!/^[1-9]\d{0,14}$/.test(form.schoolId)) throw AppError.notFound('School');
  return Number(form.schoolId);
}

export const STATUS_WORDS: Record<string, string> = { scheduled: 'Scheduled', sending: 'Sending', paused: 'Paused', canceled: 'Canceled', done: 'Done' };
const CONTROL_DONE = { pause: 'Paused: no more texts leave until you resume it.', resume: 'Resumed: the texts still waiting are on their way.', cancel: 'Canceled: texts already sent stay sent, the rest will never be sent.' };
const CONTROL_PAST = { pause: 'paused', resume: 'resumed', cancel: 'canceled' };
export const SKIP_WORDS: Record<string, string> = {
  opted_out: 'opted out of texts from the school',
  paused: 'paused reminders for now',
  no_number: 'no phone number on the roster',
  may_not_contact: 'may not be contacted (no-contact order)',
  budget: "this week's reminders for this number are used up",
};
