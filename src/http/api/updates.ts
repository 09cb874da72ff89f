import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { translatorFromConfig } from '../../translation/libretranslate';
import { parseUpdatesCsv, type CsvRowError } from '../../updates/csv';
import type { UpdateItem, UpdateRequest } from '../../updates/model';
import { previewUpdates, sendUpdates } from '../../updates/updates';
import { staffOf } from '../middleware/auth';
import { bodyId, expected, languageField } from './fields';
import { parseBody } from './validate';

/**
 * Teacher updates for a class (src/updates). Both routes take
 *   {"classId", "items": [{"studentId","template","slots":{...}} | {"studentId","text","language?"}], "language?"}
 * or, instead of items, {"classId", "csv": "student_id,template,subject,…\n…"} (src/updates/csv.ts).
 * POST /updates/preview answers 200 {classId, week, items: [per family], unreached, csvErrors?};
 * POST /updates also takes "requestId" (repeats with it answer the first send and text nobody) and
 * "untranslated": "send_as_written", and answers 202 with each item's messageId and messages.
 */

const MAX_ITEMS = 2000;
const slotValue = z.union([z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'), z.number().int().min(0).max(1_000_000)], {
  error: 'must be a string or a whole number',
});

const item = z
  .strictObject({
    studentId: bodyId,
    template: z.string({ error: expected('must be a template key such as practice.reading') }).trim().min(1).max(100).optional(),
    slots: z.record(z.string().max(40), slotValue, { error: 'must be an object of slot values' }).optional(),
    text: z.string({ error: expected('must be a string') }).trim().min(1, 'must not be empty').max(600, 'must be at most 600 characters').optional(),
    language: languageField.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.template === undefined) === (v.text === undefined)) ctx.addIssue({ code: 'custom', path: ['template'], message: 'give a template or a text, not both' });
    if (v.template !== undefined && v.language !== undefined) ctx.addIssue({ code: 'custom', path: ['language'], message: 'only a free text takes a language' });
    if (v.text !== undefined && v.slots !== undefined) ctx.addIssue({ code: 'custom', path: ['slots'], message: 'only a template takes slots' });
  })
  .transform((v): UpdateItem =>
    v.text !== undefined ? { studentId: v.studentId, text: v.text, ...(v.language ? { language: v.language } : {}) } : { studentId: v.studentId, template: v.template!, slots: v.slots ?? {} },
  );

const common = {
  classId: bodyId,
  items: z.array(item, { error: expected('must be a list of updates') }).min(1, 'must hold at least one update').max(MAX_ITEMS, `at most ${MAX_ITEMS} updates`).optional(),
  csv: z.string({ error: 'must be the CSV text' }).min(1, 'must not be empty').max(90_000, 'must be at most 90,000 characters').optional(),
  /** The language the free texts are written in (default en). */
  language: languageField.optional(),
};
const oneSource = (v: { items?: unknown; csv?: unknown }) => (v.items === undefined) !== (v.csv === undefined);
const sourceIssue = { message: 'give items or csv, one of them', path: ['items'] };
const previewBody = z.strictObject(common).refine(oneSource, sourceIssue);
const sendBody = z
  .strictObject({
    ...common,
    requestId: z.string().regex(/^[A-Za-z0-9_.:-]{8,100}$/, 'must be 8 to 100 letters, digits or _ . : -, e.g. a UUID').optional(),
    untranslated: z.literal('send_as_written', { error: 'may only be "send_as_written"' }).optional(),
  })
  .refine(oneSource, sourceIssue);

/** Items from the body or from its CSV; the CSV's rows keep their line numbers for error messages. */
function requestOf(body: z.output<typeof previewBody>): { req: UpdateRequest; lines: number[] | null; csvErrors: CsvRowError[] } {
  if (body.items) return { req: { classId: body.classId, items: body.items, language: body.language }, lines: null, csvErrors: [] };
  const parsed = parseUpdatesCsv(body.csv!);
  if (!parsed.rows.length) {
    throw AppError.validation(Object.fromEntries(parsed.errors.map((e) => [`csv.line ${e.line}`, e.reason])), 'The CSV holds no update that can be sent');
  }
  return { req: { classId: body.classId, items: parsed.rows.map((r) => r.item), language: body.language }, lines: parsed.rows.map((r) => r.line), csvErrors: parsed.errors };
}

/** An item's error names its CSV line when it came from one ("items.3.template" → "csv.line 5.template"). */
async function withLines<T>(lines: number[] | null, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!lines || !(err instanceof AppError) || !err.fields) throw err;
    const fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k.replace(/^items\.(\d+)/, (_m, i: string) => `csv.line ${lines[Number(i)]}`), v]));
    throw new AppError(err.status, err.code, err.message, fields);
  }
}

export function updatesRouter(deps: Deps): Router {
  const r = Router();
  const translator = translatorFromConfig(deps.config);

  r.post('/preview', async (req, res) => {
    const { req: request, lines, csvErrors } = requestOf(parseBody(previewBody, req));
    const preview = await withLines(lines, () => previewUpdates(deps, staffOf(req), request, translator));
    res.json(lines ? { ...preview, csvErrors } : preview);
  });

  r.post('/', async (req, res) => {
    const body = parseBody(sendBody, req);
    const { req: request, lines, csvErrors } = requestOf(body);
    // A send never leaves part of a file behind unnoticed: every row must be right first.
    if (csvErrors.length) throw AppError.validation(Object.fromEntries(csvErrors.map((e) => [`csv.line ${e.line}`, e.reason])), 'Fix the CSV rows listed; nothing was sent');
    const result = await withLines(lines, () =>
      sendUpdates(deps, staffOf(req), request, translator, { requestId: body.requestId ?? null, untranslated: body.untranslated }),
    );
    res.status(202).json(result);
  });

  return r;
}
