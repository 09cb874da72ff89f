import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { getClass, listClasses, setCurrentUnit } from '../../staff/roster';
import { staffOf } from '../middleware/auth';
import { expected } from './fields';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery, queryId } from './validate';

/**
 * Classes come from the roster import, scoped by src/staff/scope.ts. The one thing staff change
 * is what the class is learning now: PATCH {"currentUnit": "Fractions"} (null or "" clears it),
 * by its teachers and its school's admins.
 */

const listQuery = z.strictObject({ ...pageQuery, schoolId: queryId.optional() });
export const MAX_UNIT = 120;
/** Shared with the console's unit form. */
export const currentUnitField = z
  .string({ error: expected('must be a string, or null to clear it') })
  .transform((v) => v.replace(/\s+/g, ' ').trim())
  .pipe(z.string().max(MAX_UNIT, `must be at most ${MAX_UNIT} characters`))
  .transform((v) => v || null)
  .nullable();
const patchBody = z.strictObject({ currentUnit: currentUnitField });

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

  r.patch('/:id', async (req, res) => {
    const id = idParam(req, 'Class');
    const { currentUnit } = parseBody(patchBody, req);
    res.json(await setCurrentUnit(deps, staffOf(req), id, currentUnit));
  });

  return r;
}
