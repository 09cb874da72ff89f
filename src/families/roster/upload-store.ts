/**
 * Roster files uploaded through the API, kept in the database until their import has run: the
 * web role that takes an upload and the worker role that imports it may be on different hosts
 * (PostgreSQL), and the database is the one thing every host shares. The file goes in pieces of
 * CHUNK_BYTES, each its own statement, so neither side holds a 100 MB upload in memory and a
 * SQLite writer never waits behind one long transaction; the worker writes the pieces back to a
 * private file of its own host, which the import reads as it reads any file (in the worker's
 * process: each piece is an awaited query and a file write, nothing that holds its event loop,
 * and the import's own process then reads the file as the CLI's imports do).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../../db/client';
import * as repo from '../../../db/repositories/roster-imports';
import { ROSTER_TEMP_PREFIX } from '../../../db/repositories/roster-stage';
import { RosterFileError } from './model';

/** About a megabyte: few statements for a large file, little memory for any. */
export const CHUNK_BYTES = 1024 * 1024;

/** Stores the file at `filePath` as the import's pieces; answers its size in bytes. */
export async function storeUpload(db: Db, importId: number, filePath: string): Promise<number> {
  let seq = 0;
  let bytes = 0;
  for await (const data of fs.createReadStream(filePath, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    await repo.insertChunk(db, importId, seq++, data);
    bytes += data.length;
  }
  return bytes;
}

export interface FetchedUpload {
  /** The file under the uploader's name, so messages and row errors say "roster.csv:12". */
  path: string;
  /** Deletes the file and its folder. */
  dispose(): Promise<void>;
}

/**
 * Writes an import's stored file to a folder of its own in this host's temporary folder (only
 * this user may read it), named like a stage so that a copy left by a worker that died
 * mid-import is cleared with the stages (removeStaleStages). An upload whose pieces are gone or
 * short is a file that cannot be imported: retrying would find the same.
 */
export async function fetchUpload(db: Db, upload: { importId: number; fileName: string | null; fileBytes: number | null }): Promise<FetchedUpload> {
  const name = upload.fileName ?? 'roster.csv';
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `${ROSTER_TEMP_PREFIX}upload-${upload.importId}-`));
  const dispose = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    const file = path.join(dir, name);
    const out = await fsp.open(file, 'wx', 0o600);
    let bytes = 0;
    try {
      for (let seq = 0; ; seq++) {
        const data = await repo.findChunk(db, upload.importId, seq);
        if (!data) break;
        await out.write(data);
        bytes += data.length;
      }
    } finally {
      await out.close();
    }
    if (upload.fileBytes === null || bytes !== upload.fileBytes) throw new RosterFileError('The uploaded file is no longer stored; upload it again.', name);
    return { path: file, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Deletes an import's stored file: once it has run, whatever the outcome, or was given up. */
export async function deleteUpload(db: Db, importId: number): Promise<void> {
  await repo.deleteChunks(db, importId);
}

/** The uploader's base name, limited to characters that are safe in any file system. */
export function safeName(original: string): string {
  const base = path.posix.basename(original.replace(/\\/g, '/')).normalize('NFC');
  const safe = base.replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^[.\s]+/, '').slice(-120);
  return safe || 'roster.csv';
}
