import express, { Router, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { readProgress } from '../../nudges/progress-input';
import { importProgress, recordProgress, type ProgressItem, type ProgressRecordRow } from '../../staff/progress';
import { staffOf } from '../middleware/auth';
import { bodyId, expected } from './fields';
import { parseBody, parseQuery, queryId } from './validate';

/**
 * Progress records: how a student is doing this week, for the weekend nudges.
 *
 *   POST /progress           {"studentId","week","kind","value"} or {"items":[…]} (up to 500): all
 *                            stored or none; 201 {items: the records as stored, created, updated, unchanged}
 *   POST /progress/imports   a CSV student_id,week,kind,value (src/nudges/progress-csv.ts) as text/csv or
 *                            multipart (field "file"), ?schoolId= to keep it to one school; 200 with
 *                            counts and each rejected row's line and reason; 400 when no row is good
 *
 * week: an ISO week (2026-W47) or a date of that week, stored as its Monday; kind: missing_assignments,
 * absences (whole numbers), reading_level, current_unit, note (short text). Writing the same student,
 * week and kind again replaces the value: a repeated request or file adds nothing.
 */

export function presentProgress(p: ProgressRecordRow) {
  return { id: p.id, studentId: p.studentId, schoolId: p.schoolId, week: p.week, kind: p.kind, value: p.value, source: p.source, staffId: p.staffId, messageId: p.messageId, createdAt: p.createdAt };
}
export const progressCursor = z.tuple([z.string().max(10), z.number().int().positive()]);

const MAX_ITEMS = 500;
/** The CSV's size bound: a school's week of gradebook rows is far smaller. */
export const MAX_PROGRESS_CSV_BYTES = 2_000_000;

const item = z
  .strictObject({
    studentId: bodyId,
    week: z.unknown(),
    kind: z.unknown(),
    value: z.unknown(),
  })
  .transform((v, ctx): ProgressItem => {
    const read = readProgress(v);
    if (read.ok) return { studentId: v.studentId, ...read.record };
    for (const [field, message] of Object.entries(read.errors)) ctx.addIssue({ code: 'custom', path: [field], message });
    return z.NEVER;
  });
const listBody = z.strictObject({
  items: z.array(item, { error: expected('must be a list of records') }).min(1, 'must hold at least one record').max(MAX_ITEMS, `at most ${MAX_ITEMS} records`),
});
const importQuery = z.strictObject({ schoolId: queryId.optional() });

/** One record or {items}: a single record's errors name its fields ("value"), a list's "items.2.value". */
function parseRecords(req: Request): ProgressItem[] {
  const raw = req.body as unknown;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'items' in raw) return parseBody(listBody, req).items;
  return [parseBody(item, req)];
}

export function progressRouter(deps: Deps): Router {
  const r = Router();
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_PROGRESS_CSV_BYTES, files: 1, fields: 5, parts: 6 } }).single('file');
  const csvBody = express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: MAX_PROGRESS_CSV_BYTES });

  r.post('/', async (req, res) => {
    const items = parseRecords(req);
    const outcome = await recordProgress(deps, staffOf(req), items);
    res.status(201).json({ items: outcome.records.map(presentProgress), created: outcome.created, updated: outcome.updated, unchanged: outcome.unchanged });
  });

  r.post('/imports', async (req, res) => {
    const { schoolId } = parseQuery(importQuery, req);
    const csv = await readCsv(req, res, upload, csvBody);
    res.json(await importProgress(deps, { who: staffOf(req) }, csv, { schoolId }));
  });

  return r;
}

type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => void;

/** The file, from a text/csv body or a multipart field "file"; anything else is a 400 saying how to send it. */
async function readCsv(req: Request, res: Response, upload: Middleware, csvBody: Middleware): Promise<string> {
  const run = (mw: Middleware) => new Promise<void>((resolve, reject) => mw(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  const type = req.headers['content-type'] ?? '';
  const tooLarge = new AppError(413, 'too_large', `The file is larger than ${MAX_PROGRESS_CSV_BYTES / 1_000_000} MB; split it`, { file: `must be at most ${MAX_PROGRESS_CSV_BYTES / 1_000_000} MB` });
  if (/^multipart\/form-data/i.test(type)) {
    try {
      await run(upload);
    } catch (err) {
      if (err instanceof multer.MulterError) {
        if (err.code === 'LIMIT_FILE_SIZE') throw tooLarge;
        throw AppError.validation({ [err.field || 'file']: 'unexpected field: send one CSV file, in the field "file"' });
      }
      if (typeof (err as NodeJS.ErrnoException)?.code === 'string') throw err;
      throw new AppError(400, 'bad_request', 'The multipart body could not be read');
    }
    if (!req.file) throw AppError.validation({ file: 'is required: send the CSV in a file field named "file"' });
    return decode(req.file.buffer);
  }
  if (/^(text\/csv|text\/plain|application\/csv)/i.test(type)) {
    try {
      await run(csvBody);
    } catch (err) {
      if ((err as { type?: string }).type === 'entity.too.large') throw tooLarge;
      throw err;
    }
    if (typeof req.body !== 'string' || !req.body.length) throw AppError.validation({ file: 'is empty' });
    return req.body;
  }
  throw AppError.validation({ file: 'send the CSV as text/csv, or as multipart/form-data in a file field named "file"' });
}

function decode(buf: Buffer): string {
  if (!buf.length) throw AppError.validation({ file: 'is empty' });
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD')) throw AppError.validation({ file: 'must be UTF-8 text (save the spreadsheet as "CSV UTF-8")' });
  return text;
}
