import type { Router } from 'express';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { nudgeHistory } from '../../nudges/report';
import { schoolsForSettings } from '../../staff/schools';
import { staffOf } from '../middleware/auth';
import { idParam } from '../api/validate';
import type { Page } from './page';

/**
 * The weekend nudges report for admins: a school's week per language (sent, delivered, replied,
 * tip feedback, opt-outs) and a bar chart of its last 12 weeks, drawn as server-side SVG (the CSP
 * allows no inline script or style). Teachers get 403, another school 404.
 */
export function nudgeRoutes(r: Router, deps: Deps, page: Page): void {
  r.get('/nudges', async (req, res) => {
    const schools = await schoolsForSettings(deps, staffOf(req));
    if (schools.length === 1) return res.redirect(303, `/console/schools/${schools[0].id}/nudges`);
    page(req, res, 'nudge-schools', { title: 'Weekend nudges', section: 'nudges', schools });
  });

  r.get('/schools/:id/nudges', async (req, res) => {
    const week = typeof req.query.week === 'string' && req.query.week !== '' ? req.query.week : undefined;
    if (req.query.week !== undefined && typeof req.query.week !== 'string') throw AppError.validation({ week: 'must be an ISO week such as 2026-W45' });
    const history = await nudgeHistory(deps, staffOf(req), idParam(req, 'School'), week);
    const current = history[history.length - 1];
    page(req, res, 'nudges', { title: `Weekend nudges: ${current.schoolName}`, section: 'nudges', report: current, chart: chartOf(history) });
  });
}

const CHART = { width: 640, height: 200, top: 16, bottom: 32, left: 40 };

/** Bars per week (sent, delivered, replied), scaled to the busiest week; plain numbers for the view. */
function chartOf(history: Awaited<ReturnType<typeof nudgeHistory>>) {
  const max = Math.max(1, ...history.map((w) => w.totals.sent));
  const plot = CHART.height - CHART.top - CHART.bottom;
  const slot = (CHART.width - CHART.left) / history.length;
  const bar = Math.max(4, Math.floor((slot - 8) / 3));
  const series = ['sent', 'delivered', 'replied'] as const;
  const weeks = history.map((w, i) => {
    const x0 = CHART.left + i * slot + 4;
    return {
      label: w.week.slice(5),
      week: w.week,
      x: x0 + (bar * 3) / 2,
      bars: series.map((k, j) => {
        const h = Math.round((w.totals[k] / max) * plot);
        return { kind: k, value: w.totals[k], x: x0 + j * bar, y: CHART.top + plot - h, width: bar - 1, height: h };
      }),
    };
  });
  return { ...CHART, max, baseline: CHART.top + plot, weeks, summary: history.map((w) => `${w.week}: ${w.totals.sent} sent`).join(', ') };
}
