import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { nudgeReport } from '../../nudges/report';
import { staffOf } from '../middleware/auth';
import { parseQuery, queryId } from './validate';

const reportQuery = z.strictObject({
  week: z.string({ error: 'must be an ISO week such as 2026-W45' }).optional(),
  schoolId: queryId.optional(),
});

/** GET /nudges/report?week=YYYY-Www[&schoolId=]: per school and language, the week's weekend nudges (admins). */
export function nudgesRouter(deps: Deps): Router {
  const r = Router();
  r.get('/report', async (req, res) => {
    const q = parseQuery(reportQuery, req);
    res.json({ items: await nudgeReport(deps, staffOf(req), q) });
  });
  return r;
}
