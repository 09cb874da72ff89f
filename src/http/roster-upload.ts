import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import multer from 'multer';
import type { Deps } from '../deps';

/**
 * The one way a roster file is received, by the API and the console alike: into this host's
 * temporary folder (createImport stores it in the database, where any worker host finds it, and
 * deletes this copy), one file, at most ROSTER_MAX_UPLOAD_BYTES. Rejects with multer's own error,
 * which each caller words for its reader.
 */
export function rosterUpload(deps: Pick<Deps, 'config'>): (req: Request, res: Response) => Promise<void> {
  const handler = multer({
    storage: multer.diskStorage({
      filename: (_req, _file, cb) => cb(null, `familyline-upload-${crypto.randomBytes(8).toString('hex')}.part`),
    }),
    limits: { fileSize: deps.config.rosterLimits.maxUploadBytes, files: 1, fields: 20, fieldSize: 1000, parts: 30 },
    defParamCharset: 'utf8',
  }).single('file');
  return (req, res) => new Promise<void>((resolve, reject) => handler(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}
