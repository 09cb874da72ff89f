import { Router } from 'express';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { NUDGE_SLOT_IDS } from '../../nudges/slots';
import { createSchool, getSchool, listSchools, updateSchool, type SchoolRow } from '../../staff/schools';
import { staffOf } from '../middleware/auth';
import { languageField, messagingServiceSidField, nameField, phoneField, timezoneField } from './fields';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery } from './validate';

export function presentSchool(s: SchoolRow) {
  return {
    id: s.id,
    name: s.name,
    timezone: s.timezone,
    /** null: the school sends from the deployment's TWILIO_FROM / messaging service. */
    from: s.fromNumber,
    messagingServiceSid: s.messagingServiceSid,
    defaultLanguage: s.defaultLanguage,
    mps: s.mps,
    /** Region for reading numbers written without a country code (roster imports, the API). */
    phoneRegion: s.phoneRegion,
    /** When weekend nudges go out, in the school's time zone: fri-17:00, sat-09:30 or sun-10:00. */
    nudgeSlot: s.nudgeSlot,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Shared with the console's school settings form, so both accept exactly the same values. */
export const schoolFields = {
  name: nameField(),
  timezone: timezoneField,
  from: phoneField.nullable().optional(),
  messagingServiceSid: messagingServiceSidField.nullable().optional(),
  defaultLanguage: languageField.optional(),
  mps: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 (no pacing) or more').max(1000, 'must be at most 1000').optional(),
  phoneRegion: z
    .string({ error: 'must be a country code such as US' })
    .transform((v) => v.trim().toUpperCase())
    .refine((v) => isSupportedCountry(v), 'must be a country code such as US or CA')
    .optional(),
  nudgeSlot: z.enum(NUDGE_SLOT_IDS, { error: `must be one of ${NUDGE_SLOT_IDS.join(', ')}` }).optional(),
};
const fields = schoolFields;
const createBody = z.strictObject(fields);
const patchBody = z.strictObject({ ...fields, name: fields.name.optional(), timezone: fields.timezone.optional() });
const listQuery = z.strictObject(pageQuery);

export function schoolsRouter(deps: Deps): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const { from, ...body } = parseBody(createBody, req);
    const school = await createSchool(deps, staffOf(req), { ...body, fromNumber: from });
    res.status(201).json(presentSchool(school));
  });

  r.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(idCursor, q.cursor);
    const rows = await listSchools(deps, staffOf(req), { limit, afterId: after?.[0] });
    res.json(page(rows, limit, presentSchool, (s) => [s.id]));
  });

  r.get('/:id', async (req, res) => {
    res.json(presentSchool(await getSchool(deps, staffOf(req), idParam(req, 'School'))));
  });

  r.patch('/:id', async (req, res) => {
    const id = idParam(req, 'School');
    const { from, ...patch } = parseBody(patchBody, req);
    const school = await updateSchool(deps, staffOf(req), id, { ...patch, ...(from !== undefined ? { fromNumber: from } : {}) });
    res.json(presentSchool(school));
  });

  return r;
}
