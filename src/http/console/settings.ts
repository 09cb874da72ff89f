import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { schoolForSettings, schoolsForSettings, updateSchool, type SchoolRow } from '../../staff/schools';
import { staffOf } from '../middleware/auth';
import { schoolFields } from '../api/schools';
import { NUDGE_SLOTS } from '../../nudges/slots';
import { idParam } from '../api/validate';
import type { Page } from './page';

/**
 * School settings for admins: time zone, sending number, messages per second, phone region, when the weekend nudges go out,
 * validated by the same field schemas as PATCH /api/v1/schools/:id. A teacher gets 403 (they can
 * see their school, not change it); another school is a 404 like any hidden row.
 */

const settingsForm = z.strictObject({
  timezone: schoolFields.timezone,
  from: schoolFields.from,
  mps: schoolFields.mps,
  phoneRegion: schoolFields.phoneRegion,
  nudgeSlot: schoolFields.nudgeSlot,
});

type Values = { timezone: string; from: string; mps: string; phoneRegion: string; nudgeSlot: string };

const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '');

let zones: string[] | null = null;
function timeZones(): string[] {
  zones ??= Intl.supportedValuesOf('timeZone');
  return zones;
}

export function settingsRoutes(r: Router, deps: Deps, page: Page): void {
  const show = (req: Request, res: Response, school: SchoolRow, values: Values, errors: Record<string, string>, status = 200) => {
    const flash = req.session.flash ?? null;
    delete req.session.flash;
    const zoneList = timeZones().includes(values.timezone) || !values.timezone ? timeZones() : [values.timezone, ...timeZones()];
    page(req, res, 'settings', { title: `Settings: ${school.name}`, section: 'settings', school, values, errors, zones: zoneList, flash, defaultFrom: deps.config.twilio.from ?? null, slots: NUDGE_SLOTS }, status);
  };

  r.get('/settings', async (req, res) => {
    const who = staffOf(req);
    const schools = await schoolsForSettings(deps, who);
    if (schools.length === 1) return res.redirect(303, `/console/schools/${schools[0].id}/settings`);
    page(req, res, 'schools', { title: 'School settings', section: 'settings', schools });
  });

  r.get('/schools/:id/settings', async (req, res) => {
    const school = await schoolForSettings(deps, staffOf(req), idParam(req, 'School'));
    show(req, res, school, { timezone: school.timezone, from: school.fromNumber ?? '', mps: String(school.mps), phoneRegion: school.phoneRegion, nudgeSlot: school.nudgeSlot }, {});
  });

  r.post('/schools/:id/settings', async (req, res) => {
    const who = staffOf(req);
    const school = await schoolForSettings(deps, who, idParam(req, 'School'));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: Values = { timezone: str(body.timezone).trim(), from: str(body.from).trim(), mps: str(body.mps).trim(), phoneRegion: str(body.phoneRegion).trim(), nudgeSlot: str(body.nudgeSlot).trim() };
    const parsed = settingsForm.safeParse({
      timezone: values.timezone,
      // Blank: send from the deployment's number, as "from": null does in the API.
      from: values.from === '' ? null : values.from,
      mps: /^-?\d+(\.\d+)?$/.test(values.mps) ? Number(values.mps) : values.mps,
      phoneRegion: values.phoneRegion,
      // Left out (an older form): the slot stays as it is.
      ...(values.nudgeSlot ? { nudgeSlot: values.nudgeSlot } : {}),
    });
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? 'form');
        errors[key] ??= sentence(issue.message.includes('expected') ? 'must be filled in correctly' : issue.message);
      }
      return show(req, res, school, values, errors, 400);
    }
    const { from, ...patch } = parsed.data;
    try {
      await updateSchool(deps, who, school.id, { ...patch, fromNumber: from ?? null });
    } catch (err) {
      if (err instanceof AppError && err.status === 400 && err.fields) return show(req, res, school, values, err.fields, 400);
      throw err;
    }
    req.session.flash = 'Settings saved.';
    res.redirect(303, `/console/schools/${school.id}/settings`);
  });
}

const sentence = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
