import crypto from 'node:crypto';
import type { Request, Response, Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { translatorFromConfig } from '../../translation/libretranslate';
import { composerRoster, previewClassUpdates, sendClassUpdates, templateGroups, type ComposerRoster } from '../../staff/class-updates';
import { listClasses } from '../../staff/roster';
import { parseUpdatesCsv, type CsvRowError } from '../../updates/csv';
import type { UpdateItem, UpdatePreview, UpdateRequest, UpdateSendResult } from '../../updates/model';
import { updateTemplates, type UpdateSlot } from '../../updates/sentence-bank';
import { staffOf } from '../middleware/auth';
import { idParam } from '../api/validate';
import { languageField } from '../api/fields';
import { fmt, sendsAtText } from './format';
import type { Page } from './page';

/**
 * The update composer: a class's students, each with a sentence-bank template and its slots or the
 * teacher's own words (or a CSV of them), a preview per family, and a send that sends exactly what
 * was previewed, once. Works without JS; composer.js only hides unused slot fields and counts.
 *
 *   GET  /updates                               the caller's classes, each a link to its composer
 *   GET  /classes/:id/updates                   the composer
 *   POST /classes/:id/updates                   action=preview (the preview, above the form again) | fill (same for everyone)
 *   POST /classes/:id/updates/csv?_csrf=…       a CSV file → its preview, row errors with line numbers
 *   POST /classes/:id/updates/send              the previewed items (hidden), requestId, digest → 303 to the result
 *   GET  /classes/:id/updates/sent/:requestId   how many texts were queued or held, links to the conversations
 */

declare module 'express-session' {
  interface SessionData {
    /** The last few sends' outcomes, by requestId, for their result pages. */
    updatesSent?: Record<string, SentSummary>;
  }
}

export const SLOTS: readonly UpdateSlot[] = ['subject', 'skill', 'count', 'date', 'teacher'];
const SLOT_LABELS: Record<UpdateSlot, string> = { subject: 'Subject', skill: 'Skill', count: 'How many', date: 'Date', teacher: 'Teacher' };
const MAX_TEXT = 600;
const MAX_CSV_BYTES = 90_000;
const KEPT_RESULTS = 5;

/** What one student's row of the form holds, as typed (re-shown when something needs fixing). */
export interface RowInput {
  template: string;
  text: string;
  slots: Partial<Record<UpdateSlot, string>>;
}

interface FormState {
  rows: Record<number, RowInput>;
  everyone: RowInput;
  language: string;
  /** Per student id: field → message. */
  errors: Record<number, Record<string, string>>;
  formError: string | null;
}

export interface SentSummary {
  classId: number;
  families: { familyId: number; familyName: string; students: string[]; queued: number; held: number; blocked: number; heldUntil: string | null }[];
  queued: number;
  held: number;
  blocked: number;
  notReached: number;
  heldUntil: string | null;
  sentAt: number;
}

const emptyRow = (): RowInput => ({ template: '', text: '', slots: {} });
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The form's fields: s<studentId>_template, s<studentId>_text, s<studentId>_<slot>; all_* for everyone. */
function readForm(body: Record<string, unknown>): Omit<FormState, 'errors' | 'formError'> {
  const rows: Record<number, RowInput> = {};
  const everyone = emptyRow();
  for (const [key, raw] of Object.entries(body)) {
    const m = /^(?:s([1-9]\d{0,14})|all)_(template|text|subject|skill|count|date|teacher)$/.exec(key);
    if (!m) continue;
    const row = m[1] ? (rows[Number(m[1])] ??= emptyRow()) : everyone;
    const value = str(raw).slice(0, 2000);
    if (m[2] === 'template') row.template = value.trim();
    else if (m[2] === 'text') row.text = value;
    else row.slots[m[2] as UpdateSlot] = value;
  }
  return { rows, everyone, language: str(body.language) || 'en' };
}

/** The rows a teacher filled in, as update items; a row left blank is simply not sent. */
function itemsOf(state: FormState): { items: UpdateItem[]; studentOf: number[] } {
  const items: UpdateItem[] = [];
  const studentOf: number[] = [];
  const language = languageField.safeParse(state.language);
  if (!language.success) state.formError = 'Choose the language your own words are written in.';
  for (const [id, row] of Object.entries(state.rows)) {
    const studentId = Number(id);
    const text = row.text.trim();
    const known = updateTemplates().find((t) => t.key === row.template);
    if (row.template && text) {
      (state.errors[studentId] ??= {}).text = 'Choose a sentence or write your own words, not both.';
      continue;
    }
    if (text) {
      if ([...text].length > MAX_TEXT) (state.errors[studentId] ??= {}).text = `Must be at most ${MAX_TEXT} characters.`;
      else items.push({ studentId, text });
      studentOf.push(studentId);
      continue;
    }
    if (!row.template) continue;
    if (!known) {
      (state.errors[studentId] ??= {}).template = 'Choose a sentence from the list.';
      continue;
    }
    const slots: Partial<Record<UpdateSlot, string>> = {};
    for (const s of known.slots) if (row.slots[s]?.trim()) slots[s] = row.slots[s]!.trim();
    items.push({ studentId, template: known.key, slots });
    studentOf.push(studentId);
  }
  // studentOf lists only the items kept, in order.
  return { items, studentOf: studentOf.filter((id) => !state.errors[id]) };
}

/** The domain's "items.3.slots.subject" → the student's row, field "subject". */
function placeErrors(err: AppError, studentOf: number[], state: FormState, lines?: number[]): void {
  for (const [key, message] of Object.entries(err.fields ?? {})) {
    const m = /^items\.(\d+)\.(?:slots\.)?(\w+)$/.exec(key);
    const studentId = m ? studentOf[Number(m[1])] : undefined;
    if (m && studentId !== undefined && !lines) (state.errors[studentId] ??= {})[m[2]] = sentence(message);
    else {
      const where = m && lines ? `Line ${lines[Number(m[1])]}: ${m[2]} ` : '';
      state.formError = `${state.formError ? `${state.formError} ` : ''}${where}${sentence(message)}`;
    }
  }
  if (!err.fields) state.formError = err.message;
}

const sentence = (s: string) => {
  const t = s.trim();
  return t ? `${t[0].toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : t;
};

// The hidden copy of what was previewed, read back on Send: shaped like the API's items.
const slotValue = z.union([z.string().max(100), z.number().int().min(0)]);
const hiddenItems = z
  .array(
    z.union([
      z.strictObject({ studentId: z.number().int().positive(), template: z.string().min(1).max(100), slots: z.partialRecord(z.enum(SLOTS as [UpdateSlot, ...UpdateSlot[]]), slotValue) }),
      z.strictObject({ studentId: z.number().int().positive(), text: z.string().min(1).max(MAX_TEXT), language: z.string().max(20).optional() }),
    ]),
  )
  .min(1)
  .max(2000);
const sendForm = z.object({
  items: z.string().max(200_000),
  language: languageField,
  requestId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  digest: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/),
  untranslated: z.literal('send_as_written').optional(),
});

function summarize(classId: number, result: UpdateSendResult, now: number): SentSummary {
  const families = result.items.map((f) => {
    const msgs = f.messages ?? [];
    const held = msgs.filter((m) => m.status === 'held');
    return {
      familyId: f.familyId,
      familyName: f.familyName,
      students: f.students.map((s) => s.firstName),
      queued: msgs.filter((m) => m.status !== 'held' && m.status !== 'blocked').length,
      held: held.length,
      blocked: msgs.filter((m) => m.status === 'blocked').length,
      heldUntil: held[0]?.scheduledFor ?? null,
    };
  });
  const sum = (k: 'queued' | 'held' | 'blocked') => families.reduce((n, f) => n + f[k], 0);
  return {
    classId,
    families,
    queued: sum('queued'),
    held: sum('held'),
    blocked: sum('blocked'),
    notReached: result.items.filter((f) => !f.recipients.length).length + result.unreached.length,
    heldUntil: families.find((f) => f.heldUntil)?.heldUntil ?? null,
    sentAt: now,
  };
}

export function composerRoutes(r: Router, deps: Deps, page: Page): void {
  const translator = translatorFromConfig(deps.config);
  const csvUpload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_CSV_BYTES, files: 1, fields: 10, parts: 12 } }).single('file');

  const show = (
    req: Request,
    res: Response,
    roster: ComposerRoster,
    state: FormState,
    extra: { preview?: UpdatePreview; digest?: string; items?: UpdateItem[]; csvErrors?: CsvRowError[]; notice?: string } = {},
    status = 200,
  ) => {
    const who = staffOf(req);
    const failed = extra.preview?.items.filter((f) => f.translation?.status === 'failed') ?? [];
    page(
      req,
      res,
      'composer',
      {
        title: `Write updates: ${roster.title}`,
        section: 'updates',
        scripts: ['segments.js', 'compose.js', 'composer.js'],
        roster,
        groups: templateGroups(),
        templates: updateTemplates(),
        slots: SLOTS,
        slotLabels: SLOT_LABELS,
        state,
        teacherName: who.name ?? '',
        viewer: who,
        fmt,
        preview: extra.preview ?? null,
        digest: extra.digest ?? '',
        itemsJson: extra.items ? JSON.stringify(extra.items) : '',
        requestId: crypto.randomBytes(16).toString('base64url'),
        translationFailed: failed.length,
        csvErrors: extra.csvErrors ?? [],
        notice: extra.notice ?? null,
        studentName: (id: number) => {
          const s = roster.students.find((x) => x.id === id);
          return s ? `${s.firstName} ${s.lastName}` : `Student ${id}`;
        },
        guardianName: (id: number) => {
          for (const gs of Object.values(roster.guardiansOf)) for (const g of gs) if (g.id === id) return `${g.firstName} ${g.lastName}`;
          return `Guardian ${id}`;
        },
        heldUntil: (iso: string) => sendsAtText(Date.parse(iso), roster.timezone, deps.clock.now()),
      },
      status,
    );
  };

  r.get('/updates', async (req, res) => {
    const classes = await listClasses(deps, staffOf(req), { limit: 500 });
    page(req, res, 'updates', { title: 'Write updates', section: 'updates', classes });
  });

  r.get('/classes/:id/updates', async (req, res) => {
    const roster = await composerRoster(deps, staffOf(req), idParam(req, 'Class'));
    show(req, res, roster, { rows: {}, everyone: emptyRow(), language: 'en', errors: {}, formError: null });
  });

  /** Preview (or fill every blank row with the "same for everyone" choice, JS off). */
  r.post('/classes/:id/updates', async (req, res) => {
    const who = staffOf(req);
    const classId = idParam(req, 'Class');
    const state: FormState = { ...readForm(req.body ?? {}), errors: {}, formError: null };
    if (req.body?.action === 'fill') {
      const roster = await composerRoster(deps, who, classId);
      for (const s of roster.students) {
        const row = (state.rows[s.id] ??= emptyRow());
        if (!row.template && !row.text.trim()) state.rows[s.id] = { template: state.everyone.template, text: state.everyone.text, slots: { ...state.everyone.slots } };
      }
      return show(req, res, roster, state);
    }
    const { items, studentOf } = itemsOf(state);
    if (!items.length && !Object.keys(state.errors).length && !state.formError) state.formError = 'Nothing to preview yet: choose a sentence or write something for at least one student.';
    if (Object.keys(state.errors).length || state.formError) return show(req, res, await composerRoster(deps, who, classId), state, {}, 400);
    const request: UpdateRequest = { classId, items, language: state.language };
    try {
      const { roster, preview, digest } = await previewClassUpdates(deps, who, request, translator);
      show(req, res, roster, state, { preview, digest, items });
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      placeErrors(err, studentOf, state);
      show(req, res, await composerRoster(deps, who, classId), state, {}, 400);
    }
  });

  r.post('/classes/:id/updates/csv', async (req, res) => {
    const who = staffOf(req);
    const classId = idParam(req, 'Class');
    const roster = await composerRoster(deps, who, classId); // a class the caller may not see: 404 before the file is read
    const state: FormState = { rows: {}, everyone: emptyRow(), language: 'en', errors: {}, formError: null };
    try {
      await new Promise<void>((resolve, reject) => csvUpload(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    } catch (err) {
      state.formError =
        err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE' ? `The file is larger than ${MAX_CSV_BYTES / 1000} KB; a class's updates fit in far less.` : 'The upload could not be read. Choose the CSV file again.';
      return show(req, res, roster, state, {}, 400);
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    state.language = str(body.language) || 'en';
    if (!req.file || req.file.size === 0) {
      state.formError = 'Choose a CSV file to upload.';
      return show(req, res, roster, state, {}, 400);
    }
    const parsed = parseUpdatesCsv(req.file.buffer.toString('utf8'));
    if (!parsed.rows.length) return show(req, res, roster, state, { csvErrors: parsed.errors }, 400);
    const lang = languageField.safeParse(state.language);
    const items = parsed.rows.map((r) => r.item);
    try {
      const { preview, digest } = await previewClassUpdates(deps, who, { classId, items, language: lang.success ? lang.data : 'en' }, translator);
      // Sending waits until every row is right, as the API's does: no part of a file goes unnoticed.
      show(req, res, roster, state, { preview, digest: parsed.errors.length ? '' : digest, items, csvErrors: parsed.errors }, parsed.errors.length ? 400 : 200);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      const lines = parsed.rows.map((r) => r.line);
      const csvErrors: CsvRowError[] = [...parsed.errors];
      for (const [key, message] of Object.entries(err.fields ?? {})) {
        const m = /^items\.(\d+)\.(.+)$/.exec(key);
        csvErrors.push({ line: m ? lines[Number(m[1])] : 1, reason: m ? `${m[2].replace(/^slots\./, '')} ${message}` : message });
      }
      if (!err.fields) csvErrors.push({ line: 1, reason: err.message });
      csvErrors.sort((a, b) => a.line - b.line);
      show(req, res, roster, state, { csvErrors }, 400);
    }
  });

  r.post('/classes/:id/updates/send', async (req, res) => {
    const who = staffOf(req);
    const classId = idParam(req, 'Class');
    const form = sendForm.safeParse(req.body ?? {});
    let items: UpdateItem[] = [];
    try {
      if (form.success) items = hiddenItems.parse(JSON.parse(form.data.items)) as UpdateItem[];
    } catch {
      /* below */
    }
    if (!form.success || !items.length) throw new AppError(400, 'bad_request', 'This send form could not be read. Go back to the composer and preview again.');
    const { requestId, digest, untranslated, language } = form.data;
    const state: FormState = { ...readForm(req.body ?? {}), errors: {}, formError: null };
    let outcome: Awaited<ReturnType<typeof sendClassUpdates>> | null = null;
    // A second click while the first send is still running waits for that send's answer (it never sends again).
    for (let attempt = 0; outcome === null; attempt++) {
      try {
        outcome = await sendClassUpdates(deps, who, { classId, items, language }, translator, { requestId, untranslated, digest });
      } catch (err) {
        if (err instanceof AppError && err.code === 'in_progress' && attempt < 120) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          continue;
        }
        if (err instanceof AppError && (err.status === 409 || err.status === 400)) {
          // A translation that failed between preview and send, or input that no longer fits: shown, nothing sent.
          const roster = await composerRoster(deps, who, classId);
          state.formError = `Nothing was sent. ${sentence(err.message)}`;
          return show(req, res, roster, state, {}, err.status);
        }
        throw err;
      }
    }
    if (outcome.kind === 'changed') {
      return show(req, res, outcome.roster, state, { preview: outcome.preview, digest: outcome.digest, items, notice: 'Nothing was sent: something changed since your preview (a family’s number, language or choice to receive texts). Check the preview below and send again.' }, 409);
    }
    const summary = summarize(classId, outcome.result, deps.clock.now());
    const kept = { ...(req.session.updatesSent ?? {}), [requestId]: summary };
    req.session.updatesSent = Object.fromEntries(Object.entries(kept).sort((a, b) => b[1].sentAt - a[1].sentAt).slice(0, KEPT_RESULTS));
    res.redirect(303, `/console/classes/${classId}/updates/sent/${requestId}`);
  });

  r.get('/classes/:id/updates/sent/:requestId', async (req, res) => {
    const who = staffOf(req);
    const classId = idParam(req, 'Class');
    const roster = await composerRoster(deps, who, classId);
    const summary = req.session.updatesSent?.[String(req.params.requestId)];
    if (!summary || summary.classId !== classId) throw AppError.notFound('Update result');
    page(req, res, 'composer-sent', {
      title: `Updates sent: ${roster.title}`,
      section: 'updates',
      roster,
      summary,
      heldUntil: (iso: string) => sendsAtText(Date.parse(iso), roster.timezone, deps.clock.now()),
    });
  });
}
