import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { Request, Response, Router } from 'express';
import multer from 'multer';
import { rosterUpload } from '../roster-upload';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { createImport, getImport, listImports, mayImport, type ImportOptions, type ImportRecord } from '../../families/roster/import-jobs';
import { megabytes } from '../../families/roster/limits';
import { REJECT_KINDS, type ImportReport } from '../../families/roster/report';
import { schoolsForSettings } from '../../staff/schools';
import { requireThat } from '../../staff/scope';
import { staffOf } from '../middleware/auth';
import { importForm } from '../api/roster-imports';
import { idParam } from '../api/validate';
import { fmt } from './format';
import type { Page } from './page';
import { renderFragment } from './render';

/**
 * Roster imports for admins: the API's upload (same multer limits, same form schema, the same
 * createImport), then a page per import whose status and report refresh in place while it runs
 * (imports.js polls the report fragment; without JS a "Check again" link reloads). Teachers get
 * 403 before their upload is read, as in the API; another school's import is a 404.
 */

interface ImportView {
  row: ImportRecord;
  options: ImportOptions;
  report: ImportReport | null;
  done: boolean;
}

const view = (row: ImportRecord): ImportView => ({
  row,
  options: JSON.parse(row.options) as ImportOptions,
  report: row.report ? (JSON.parse(row.report) as ImportReport) : null,
  done: row.status === 'succeeded' || row.status === 'failed',
});

const STATUS_WORDS: Record<string, string> = { queued: 'Waiting to start', running: 'Running', succeeded: 'Finished', failed: 'Failed' };

export function importRoutes(r: Router, deps: Deps, page: Page): void {
  const maxBytes = deps.config.rosterLimits.maxUploadBytes;
  const upload = rosterUpload(deps);

  const showForm = async (req: Request, res: Response, values: Record<string, string>, errors: Record<string, string>, status = 200) => {
    const who = staffOf(req);
    const imports = await listImports(deps, who, { limit: 30 });
    const schools = who.role === 'district_admin' ? await schoolsForSettings(deps, who) : [];
    page(
      req,
      res,
      'imports',
      { title: 'Roster import', section: 'imports', imports: imports.slice(0, 30).map(view), schools, values, errors, statusWords: STATUS_WORDS, fmt, maxSize: megabytes(maxBytes), district: who.role === 'district_admin' },
      status,
    );
  };

  r.get('/imports', async (req, res) => {
    requireThat(mayImport(staffOf(req)), 'Only a school or district admin may import a roster');
    await showForm(req, res, { dryRun: 'true', welcome: 'true', format: '', schoolId: '' }, {});
  });

  r.post('/imports', async (req, res) => {
    const who = staffOf(req);
    // Refused by role before the body is read: a teacher's upload is never stored.
    requireThat(mayImport(who), 'Only a school or district admin may import a roster');
    try {
      await upload(req, res);
    } catch (err) {
      if (!(err instanceof multer.MulterError)) {
        if (typeof (err as NodeJS.ErrnoException)?.code === 'string' && !(err instanceof AppError)) throw err; // ENOSPC and the like are ours
        return showForm(req, res, {}, { file: 'The upload could not be read. Choose the file again.' }, 400);
      }
      const message = err.code === 'LIMIT_FILE_SIZE' ? `The file is larger than ${megabytes(maxBytes)}, the most one import takes.` : 'Send one roster file.';
      return showForm(req, res, {}, { file: message }, err.code === 'LIMIT_FILE_SIZE' ? 413 : 400);
    }
    const file = req.file;
    const body = { ...((req.body ?? {}) as Record<string, string>) };
    const values = { format: body.format ?? '', schoolId: body.schoolId ?? '', dryRun: body.dryRun === 'true' ? 'true' : 'false', welcome: body.welcome === 'true' ? 'true' : 'false' };
    const errors: Record<string, string> = {};
    // The same schema as the API: checkboxes become "true"/"false", blank choices are left out.
    const schoolId = who.role === 'school_admin' && who.schoolId !== null ? String(who.schoolId) : values.schoolId;
    const parsed = importForm.safeParse({
      ...(values.format ? { format: values.format } : {}),
      ...(schoolId ? { schoolId } : {}),
      dryRun: values.dryRun,
      welcome: values.welcome,
    });
    if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'file')] ??= issue.message;
    if (!file) errors.file = 'Choose a roster file (CSV, or a OneRoster zip).';
    else if (file.size === 0) errors.file = 'This file is empty.';
    if (Object.keys(errors).length || !parsed.success || !file) {
      if (file) await fs.rm(file.path, { force: true });
      return showForm(req, res, values, errors, 400);
    }
    let row: ImportRecord;
    try {
      row = await createImport(deps, who, { ...parsed.data, welcome: parsed.data.welcome ?? true, dryRun: parsed.data.dryRun ?? false, upload: { path: file.path, originalName: file.originalname } });
    } catch (err) {
      await fs.rm(file.path, { force: true });
      if (err instanceof AppError && err.status === 400 && err.fields) return showForm(req, res, values, err.fields, 400);
      throw err;
    }
    res.redirect(303, `/console/imports/${row.id}`);
  });

  r.get('/imports/:id', async (req, res) => {
    const who = staffOf(req);
    requireThat(mayImport(who), 'Only a school or district admin may import a roster');
    const v = view(await getImport(deps, who, idParam(req, 'Roster import')));
    page(req, res, 'import', { title: `Roster import ${v.row.id}`, section: 'imports', scripts: ['imports.js'], v, statusWords: STATUS_WORDS, kinds: REJECT_KINDS, fmt });
  });

  /** The status and report part of the page, fetched again by imports.js while the import runs. */
  r.get('/imports/:id/report', async (req, res) => {
    const who = staffOf(req);
    requireThat(mayImport(who), 'Only a school or district admin may import a roster');
    const v = view(await getImport(deps, who, idParam(req, 'Roster import')));
    renderFragment(res, 'import-report', { v, statusWords: STATUS_WORDS, kinds: REJECT_KINDS, fmt });
  });
}
