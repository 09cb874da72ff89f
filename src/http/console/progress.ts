import type { Request, Response, Router } from 'express';
import multer from 'multer';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { MAX_PROGRESS_CSV_BYTES } from '../../nudges/progress-csv';
import { IMPORTED_KINDS } from '../../nudges/progress-input';
import { importProgress, type ProgressImportReport } from '../../staff/progress';
import { classRoster } from '../../staff/contacts';
import { setCurrentUnit } from '../../staff/roster';
import { staffOf } from '../middleware/auth';
import { currentUnitField } from '../api/classes';
import { idParam } from '../api/validate';
import { fmt } from './format';
import type { Page } from './page';

/**
 * Progress for the weekend nudges, from the console:
 *
 *   GET  /progress                     the upload form, and the last upload's counts and rejected rows
 *   POST /progress?_csrf=…             a CSV student_id,week,kind,value → stored (importProgress: a teacher
 *                                      reaches their classes' students, an admin their school) → 303 back
 *   POST /classes/:id/unit             what the class is learning now (the class page's small form) → 303
 */

declare module 'express-session' {
  interface SessionData {
    /** The last progress upload's report, shown once on the progress page. */
    progressReport?: ProgressImportReport & { fileName: string };
  }
}

/** Rows shown from a report; a file with more problems than this is the wrong file. */
const SHOWN_ERRORS = 200;

export function progressRoutes(r: Router, deps: Deps, page: Page): void {
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_PROGRESS_CSV_BYTES, files: 1, fields: 5, parts: 6 } }).single('file');

  const show = (req: Request, res: Response, extra: { report?: (ProgressImportReport & { fileName: string }) | null; error?: string | null; lineErrors?: { line: string; reason: string }[] }, status = 200) => {
    page(req, res, 'progress', { title: 'Progress', section: 'progress', kinds: IMPORTED_KINDS, maxSize: `${MAX_PROGRESS_CSV_BYTES / 1_000_000} MB`, report: null, error: null, lineErrors: [], ...extra }, status);
  };

  r.get('/progress', (req, res) => {
    const report = req.session.progressReport ?? null;
    delete req.session.progressReport;
    show(req, res, { report });
  });

  r.post('/progress', async (req, res) => {
    try {
      await new Promise<void>((resolve, reject) => upload(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    } catch (err) {
      if (!(err instanceof multer.MulterError) && typeof (err as NodeJS.ErrnoException)?.code === 'string' && !(err instanceof AppError)) throw err;
      const big = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE';
      return show(req, res, { error: big ? `The file is larger than ${MAX_PROGRESS_CSV_BYTES / 1_000_000} MB; split it.` : 'The upload could not be read. Choose the CSV file again.' }, big ? 413 : 400);
    }
    const file = req.file;
    if (!file || file.size === 0) return show(req, res, { error: file ? 'This file is empty.' : 'Choose a CSV file.' }, 400);
    const text = file.buffer.toString('utf8');
    if (text.includes('\uFFFD')) return show(req, res, { error: 'The file is not UTF-8 text. Save the spreadsheet as "CSV UTF-8" and upload it again.' }, 400);
    try {
      const report = await importProgress(deps, { who: staffOf(req) }, text);
      req.session.progressReport = { ...report, errors: report.errors.slice(0, SHOWN_ERRORS), fileName: file.originalname.slice(0, 200) };
    } catch (err) {
      if (!(err instanceof AppError && err.status === 400 && err.fields)) throw err;
      const lineErrors = Object.entries(err.fields).map(([k, reason]) => ({ line: k.replace(/^csv\.line /, ''), reason }));
      return show(req, res, { error: 'Nothing was stored: no row of the file can be used. Fix the rows below and upload it again.', lineErrors }, 400);
    }
    res.redirect(303, '/console/progress');
  });

  r.post('/classes/:id/unit', async (req, res) => {
    const who = staffOf(req);
    const id = idParam(req, 'Class');
    const raw = typeof req.body?.currentUnit === 'string' ? req.body.currentUnit.slice(0, 1000) : '';
    const parsed = currentUnitField.safeParse(raw);
    if (!parsed.success) {
      // The class page again, with what was typed and why it was not saved (a hidden class is a 404 here).
      const roster = await classRoster(deps, who, id);
      return page(req, res, 'class', { title: roster.title, section: 'classes', roster, viewer: who, fmt, unitValue: raw, unitError: sentence(parsed.error.issues[0].message) }, 400);
    }
    const saved = await setCurrentUnit(deps, who, id, parsed.data);
    req.session.flash = saved.currentUnit ? `Saved: the class is learning “${saved.currentUnit}”.` : 'The current unit is cleared.';
    res.redirect(303, `/console/classes/${id}`);
  });
}

const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
