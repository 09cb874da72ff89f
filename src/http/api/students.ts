import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { getStudent, listStudents } from '../../staff/roster';
import { studentProgress } from '../../staff/progress';
import { presentProgress, progressCursor } from './progress';
import { staffOf } from '../middleware/auth';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseQuery, queryId } from './validate';

/**
 * Students with their classes and guardians. A guardian under a no-contact order for the student
 * is listed with mayContact: false so staff know of it; the messaging side never texts them.
 */

const listQuery = z.strictObject({ ...pageQuery, schoolId: queryId.optional(), classId: queryId.optional() });
const progressQuery = z.strictObject(pageQuery);

export function studentsRouter(deps: Deps): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    const { limit = DEFAULT_LIMIT, cursor, ...filter } = parseQuery(listQuery, req);
    const after = decodeCursor(idCursor, cursor);
    const rows = await listStudents(deps, staffOf(req), filter, { limit, afterId: after?.[0] });
    res.json(page(rows, limit, (s) => s, (s) => [s.id]));
  });

  r.get('/:id', async (req, res) => {
    res.json(await getStudent(deps, staffOf(req), idParam(req, 'Student')));
  });

  /** The student's progress records (teacher updates and imported ones), newest week first. */
  r.get('/:id/progress', async (req, res) => {
    const id = idParam(req, 'Student');
    const { limit = DEFAULT_LIMIT, cursor } = parseQuery(progressQuery, req);
    const rows = await studentProgress(deps, staffOf(req), id, { limit, after: decodeCursor(progressCursor, cursor) });
    res.json(page(rows, limit, presentProgress, (p) => [p.week, p.id]));
  });

  return r;
}
