/**
 * One entry for every roster file a school hands over: a OneRoster folder or .zip, or a single
 * flat .csv. The format is worked out from what is there unless the caller says. Every byte read
 * is counted against the import's limits (limits.ts), whatever a zip says of itself.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { parseFlatCsv } from './flat-csv';
import { RosterStage } from '../../../db/repositories/roster-stage';
import type { ImportMeter } from './limits';
import { RosterFileError, type StagedRoster } from './model';
import { parseOneRoster, type Bundle } from './oneroster';

export interface ReadRosterOptions {
  format?: 'oneroster' | 'flat';
  meter: ImportMeter;
}

/** A OneRoster export is about eight files; an archive of thousands is not one, and listing them costs memory. */
const MAX_ZIP_ENTRIES = 1000;

const ONEROSTER_FILES = new Set(['manifest.csv', 'users.csv', 'orgs.csv', 'classes.csv', 'enrollments.csv', 'courses.csv', 'academicsessions.csv', 'demographics.csv']);

/**
 * Reads a roster into a new stage. The caller owns the stage and disposes of it; when reading
 * fails the stage is disposed of here.
 */
export async function readRoster(path: string, opts: ReadRosterOptions): Promise<StagedRoster> {
  const stage = new RosterStage();
  try {
    return await readInto(stage, path, opts);
  } catch (err) {
    stage.dispose();
    throw err;
  }
}

async function readInto(stage: RosterStage, path: string, opts: ReadRosterOptions): Promise<StagedRoster> {
  const name = basename(path);
  const info = await stat(path).catch(() => null);
  if (!info) throw new RosterFileError(`${path} does not exist.`, name);

  const { meter } = opts;
  if (info.isDirectory()) {
    if (opts.format === 'flat') throw new RosterFileError(`${name} is a folder; a flat roster is one .csv file.`, name);
    return fromBundle(await folderBundle(path, meter), name, stage, meter);
  }
  meter.checkUpload(name, info.size);
  // With --format flat a zip falls through to the CSV reader, which says it is not a CSV.
  if (opts.format !== 'flat' && (name.toLowerCase().endsWith('.zip') || (await isZip(path)))) {
    const zip = await zipBundle(path, meter);
    try {
      return await fromBundle(zip, name, stage, meter);
    } finally {
      zip.close();
    }
  }
  if (opts.format === 'oneroster') {
    throw new RosterFileError(`${name} is a single file; a OneRoster export is a folder or a .zip holding users.csv, orgs.csv and the rest.`, name);
  }
  if (!opts.format && ONEROSTER_FILES.has(name.toLowerCase())) {
    throw new RosterFileError(`${name} is one file of a OneRoster export: import the folder or .zip that holds all of its files.`, name);
  }
  return parseFlatCsv(meter.count(createReadStream(path), name), name, stage, meter);
}

function fromBundle(bundle: Bundle & { names: string[] }, name: string, stage: RosterStage, meter: ImportMeter): Promise<StagedRoster> {
  if (!bundle.find('users.csv') && !bundle.find('manifest.csv')) {
    const excel = bundle.names.some((n) => n === '[Content_Types].xml' || n.startsWith('xl/'));
    throw new RosterFileError(
      excel
        ? `${name} is an Excel workbook. Save it as "CSV UTF-8 (Comma delimited)" and import the .csv.`
        : `${name} has no manifest.csv or users.csv, so it is not a OneRoster export. Found: ${bundle.names.slice(0, 10).join(', ') || 'nothing'}.`,
      name,
    );
  }
  return parseOneRoster(bundle, stage, meter);
}

/** Files are looked up by base name, so a bundle zipped with its folder reads the same. */
function byBaseName(names: string[], archive: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const n of names) {
    const base = n.split('/').pop() ?? n;
    // macOS adds __MACOSX/ and ._ files to zips: copies of metadata, not data.
    if (!base.toLowerCase().endsWith('.csv') || base.startsWith('._') || n.includes('__MACOSX/')) continue;
    const key = base.toLowerCase();
    if (found.has(key)) throw new RosterFileError(`${archive} holds two files named ${base} (${found.get(key)} and ${n}); keep one.`, archive);
    found.set(key, n);
  }
  return found;
}

async function folderBundle(dir: string, meter: ImportMeter): Promise<Bundle & { names: string[] }> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
  const files = byBaseName(names, basename(dir));
  const find = (n: string) => (files.has(n.toLowerCase()) ? basename(files.get(n.toLowerCase())!) : null);
  return {
    names,
    find,
    open: async (n) => meter.count(createReadStream(join(dir, files.get(n.toLowerCase())!)), find(n)!),
  };
}

async function zipBundle(path: string, meter: ImportMeter): Promise<Bundle & { names: string[]; close(): void }> {
  const name = basename(path);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new RosterFileError(`${name} is not a readable .zip archive (${(err as Error).message}). Download the export again.`, name);
  }
  if (zip.entryCount > MAX_ZIP_ENTRIES) {
    zip.close();
    throw new RosterFileError(`${name} holds ${zip.entryCount} files; a roster export holds a handful of .csv files. Zip only the export.`, name);
  }
  const entries = new Map<string, yauzl.Entry>();
  try {
    for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
  } catch (err) {
    zip.close();
    throw new RosterFileError(`${name} is a damaged .zip archive (${(err as Error).message}). Download the export again.`, name);
  }
  const names = [...entries.keys()];
  let files: Map<string, string>;
  try {
    files = byBaseName(names, name);
    // What the CSVs say they unpack to fails a bomb before a byte is unpacked; count() holds them to it.
    const csvs = [...files.values()].map((n) => entries.get(n)!);
    meter.checkDeclared(name, csvs.reduce((sum, e) => sum + e.compressedSize, 0), csvs.reduce((sum, e) => sum + e.uncompressedSize, 0));
    for (const e of csvs) meter.checkDeclared(basename(e.fileName), e.compressedSize, e.uncompressedSize);
  } catch (err) {
    zip.close();
    throw err;
  }
  return {
    names,
    close: () => zip.close(),
    find: (n) => (files.has(n.toLowerCase()) ? basename(files.get(n.toLowerCase())!) : null),
    open: async (n): Promise<Readable> => {
      const entry = entries.get(files.get(n.toLowerCase())!)!;
      if (entry.isEncrypted()) throw new RosterFileError(`${n} in ${name} is password-protected; export the zip without a password.`, n);
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (err) {
        throw new RosterFileError(`${n} in ${name} cannot be unpacked (${(err as Error).message}). Download the export again.`, n);
      }
      return meter.count(stream, basename(entry.fileName), entry.compressedSize);
    },
  };
}

async function isZip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await fh.close();
  }
}
