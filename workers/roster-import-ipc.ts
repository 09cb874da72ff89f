/**
 * What a roster import's own process (roster-import.child.ts) and the worker that starts it
 * (roster-import-process.ts) say to each other over IPC. Errors travel as plain data and come
 * back as the classes the worker tells apart: a file that cannot be imported (RosterFileError,
 * one past a limit included) or a request that is not valid (AppError) is a recorded failure,
 * anything else is retried.
 */
import type { Config } from '../src/config';
import { AppError } from '../src/errors';
import type { SyncRequest } from '../src/families/roster/sync-file';
import { RosterFileError, RosterLimitError } from '../src/families/roster/model';
import type { ImportReport } from '../src/families/roster/report';

export interface ImportAsk {
  config: Config;
  request: SyncRequest;
}

type ErrorData =
  | { kind: 'file'; message: string; file: string; limit?: string }
  | { kind: 'app'; message: string; status: number; code: string; fields?: Record<string, string> }
  | { kind: 'other'; message: string; stack?: string };

export type ImportAnswer = { report: ImportReport } | { error: ErrorData };

export function errorToData(err: unknown): ErrorData {
  if (err instanceof RosterLimitError) return { kind: 'file', message: err.message, file: err.file, limit: err.limit };
  if (err instanceof RosterFileError) return { kind: 'file', message: err.message, file: err.file };
  if (err instanceof AppError) return { kind: 'app', message: err.message, status: err.status, code: err.code, fields: err.fields };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'other', message: e.message, stack: e.stack };
}

export function errorFromData(data: ErrorData): Error {
  if (data.kind === 'file') return data.limit ? new RosterLimitError(data.message, data.file, data.limit) : new RosterFileError(data.message, data.file);
  if (data.kind === 'app') return new AppError(data.status, data.code, data.message, data.fields);
  const err = new Error(`roster import process: ${data.message}`);
  if (data.stack) err.stack = `${err.message}\n(in the roster import process) ${data.stack}`;
  return err;
}
