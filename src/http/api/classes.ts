import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { getClass, listClasses } from '../../staff/roster';
import { staffOf } from '../middleware/auth';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseQuery, queryId } from './validate';

/** Classes come from the roster import; the API only reads them, scoped by src/staff/scope.ts. */

const listQuery = z.strictObject({ ...pageQuery, schoolId: queryId.optional() });

export function classesRouter(deps: Deps): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(idCursor, q.cursor);
    const rows = await listClasses(deps, staffOf(req), { limit, afterId: after?.[0], schoolId: q.schoolId });
    res.json(page(rows, limit, (c) => c, (c) => [c.id]));
  });

  r.get('/:id', async (req, res) => {
    res.json(await getClass(deps, staffOf(req), idParam(req, 'Class')));
  });

  return r;
}
