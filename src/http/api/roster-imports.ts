import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { Request, Response } from 'express';
import { Router } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { createImport, getImport, listImports, mayImport, type ImportOptions, type ImportRecord } from '../../families/roster/import-jobs';
import { megabytes } from '../../families/roster/limits';
import { requireThat } from '../../staff/scope';
import { staffOf } from '../middleware/auth';
import { rosterUpload } from '../roster-upload';
import { phoneField, timezoneField } from './fields';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery, queryBool, queryId } from './validate';

/**
 * POST /roster/imports (multipart/form-data: file, format?, schoolId?, timezone?, from?, dryRun?,
 * welcome?) → 202 {id,status,createdAt}; the import runs as a queued job.
 * GET /roster/imports/:id → status, report when done, error when failed.
 * GET /roster/imports → newest first, without reports (each lists up to 1,000 rejected rows).
 */

export function presentImport(row: ImportRecord, withReport = true) {
  const options = JSON.parse(row.options) as ImportOptions;
  return {
    id: row.id,
    status: row.status,
    /** null until the file has been read, unless the uploader named it. */
    format: row.format,
    dryRun: row.dryRun,
    schoolId: options.schoolId ?? null,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    ...(withReport ? { report: row.report ? JSON.parse(row.report) : null } : {}),
    error: row.error,
  };
}

// Form fields arrive as strings, so booleans and ids are parsed like query strings. The console's upload form uses it too.
export const importForm = z.strictObject({
  format: z.enum(['oneroster', 'flat'], { error: 'must be oneroster or flat' }).optional(),
  schoolId: queryId.optional(),
  timezone: timezoneField.optional(),
  from: phoneField.optional(),
  dryRun: queryBool.optional(),
  welcome: queryBool.optional(),
});
const listQuery = z.strictObject(pageQuery);

/** multer's and busboy's complaints about the upload, in the API's error shape. */
function uploadError(err: unknown, maxBytes: number): unknown {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') {
      const most = megabytes(maxBytes);
      return new AppError(413, 'too_large', `The file is larger than ${most}, the most one import takes (ROSTER_MAX_UPLOAD_BYTES)`, { file: `must be at most ${most}` });
    }
    if (err.code === 'LIMIT_UNEXPECTED_FILE' || err.code === 'LIMIT_FILE_COUNT') {
      return AppError.validation({ [err.field || 'file']: 'unexpected file: send one roster file, in the field "file"' });
    }
    return AppError.validation({ [err.field || 'body']: err.message });
  }
  // A system error (ENOSPC, EACCES) is ours; anything else is a body busboy could not parse.
  if (err instanceof AppError || typeof (err as NodeJS.ErrnoException)?.code === 'string') return err;
  return new AppError(400, 'bad_request', 'The multipart body could not be read');
}

export function rosterImportsRouter(deps: Deps): Router {
  const r = Router();
  const maxBytes = deps.config.rosterLimits.maxUploadBytes;
  const upload = rosterUpload(deps);
  const receive = (req: Request, res: Response) => upload(req, res).catch((err: unknown) => Promise.reject(uploadError(err, maxBytes)));

  r.post('/', async (req, res) => {
    // Refuse by role before reading the body: a teacher's upload is never stored.
    requireThat(mayImport(staffOf(req)), 'Only a school or district admin may import a roster');
    await receive(req, res);
    const file = req.file;
    try {
      const input = parseForm(req);
      const row = await createImport(deps, staffOf(req), {
        ...input,
        welcome: input.welcome ?? true,
        dryRun: input.dryRun ?? false,
        upload: { path: file!.path, originalName: file!.originalname },
      });
      res.status(202).location(`${req.baseUrl}/${row.id}`).json({ id: row.id, status: row.status, createdAt: row.createdAt });
    } catch (err) {
      if (file) await fs.rm(file.path, { force: true }); // createImport already did if it got the file
      throw err;
    }
  });

  r.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const before = decodeCursor(idCursor, q.cursor);
    const rows = await listImports(deps, staffOf(req), { limit, beforeId: before?.[0] });
    res.json(page(rows, limit, (row) => presentImport(row, false), (row) => [row.id]));
  });

  r.get('/:id', async (req, res) => {
    res.json(presentImport(await getImport(deps, staffOf(req), idParam(req, 'Roster import'))));
  });

  return r;
}

/** Every problem at once: the form's fields and a missing or empty file. */
function parseForm(req: Request): z.output<typeof importForm> {
  const fields: Record<string, string> = {};
  let parsed: z.output<typeof importForm> = {};
  req.body = { ...(req.body ?? {}) }; // multer's body has no prototype; JSON bodies are ignored here
  try {
    parsed = parseBody(importForm, req);
  } catch (err) {
    if (!(err instanceof AppError && err.fields)) throw err;
    Object.assign(fields, err.fields);
  }
  if (!req.file) fields.file = 'is required: send the roster as multipart/form-data, in a file field named "file"';
  else if (req.file.size === 0) fields.file = 'is empty';
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return parsed;
}
