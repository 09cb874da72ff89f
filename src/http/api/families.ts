import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { createFamily, getFamily, listFamilies, updateFamily, type FamilyView } from '../../families/families';
import { messageFamily } from '../../staff/inbox';
import { staffOf } from '../middleware/auth';
import { replyBody } from './conversations';
import { bodyId, gradeField, languageField, nameField, phoneField, timezoneField } from './fields';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery, queryId } from './validate';

export function presentFamily(v: FamilyView) {
  const f = v.family;
  return {
    id: f.id,
    schoolId: f.schoolId,
    name: f.displayName,
    language: f.language,
    /** 'roster' (an import or the API), 'text' (the family texted a language name) or 'staff' (staff took a suggestion). */
    languageSource: f.languageSource,
    /** A language the family's last replies were written in when it is not `language` ("may prefer Spanish"), else null. */
    languageSuggestion: f.languageSuggestion,
    /** IANA zone for quiet hours and a broadcast's local time; null: the school's. */
    timezone: f.timezone,
    active: f.active,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
    guardians: v.guardians.map((g) => ({
      id: g.id,
      firstName: g.firstName,
      lastName: g.lastName,
      phone: g.phone,
      relationship: g.relationship,
      language: g.language,
      canReceive: g.canReceive,
    })),
    students: v.students,
  };
}

const guardian = z.strictObject({
  firstName: nameField(100),
  lastName: nameField(100),
  // A guardian without a number is still on the roster; they just cannot be texted.
  phone: phoneField.nullable().optional(),
  relationship: nameField(50).nullable().optional(),
  language: languageField.nullable().optional(),
});

const student = z.strictObject({
  firstName: nameField(100),
  lastName: nameField(100),
  grade: gradeField,
});

const createBody = z.strictObject({
  schoolId: bodyId,
  name: nameField(),
  language: languageField.optional(),
  guardians: z.array(guardian, { error: 'must be a list of guardians' }).min(1, 'a family needs at least one guardian').max(20, 'at most 20 guardians'),
  students: z.array(student, { error: 'must be a list of students' }).max(20, 'at most 20 students').default([]),
});

const patchBody = z.strictObject({ name: nameField().optional(), language: languageField.optional(), timezone: timezoneField.nullable().optional() });
const listQuery = z.strictObject({ ...pageQuery, schoolId: queryId.optional() });

export function familiesRouter(deps: Deps): Router {
  const r = Router();

  r.post('/', async (req, res) => {
    const body = parseBody(createBody, req);
    const view = await createFamily(deps, staffOf(req), {
      ...body,
      guardians: body.guardians.map((g) => ({ ...g, phone: g.phone ?? null })),
    });
    res.status(201).json(presentFamily(view));
  });

  r.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(idCursor, q.cursor);
    const rows = await listFamilies(deps, staffOf(req), { limit, afterId: after?.[0], schoolId: q.schoolId });
    res.json(page(rows, limit, presentFamily, (v) => [v.family.id]));
  });

  r.get('/:id', async (req, res) => {
    res.json(presentFamily(await getFamily(deps, staffOf(req), idParam(req, 'Family'))));
  });

  // A text to a family that may never have texted: its conversation is opened or reused; the answer
  // is a conversation reply's (202) with the conversation's id added.
  r.post('/:id/messages', async (req, res) => {
    const id = idParam(req, 'Family');
    const body = parseBody(replyBody, req);
    res.status(202).json(await messageFamily(deps, staffOf(req), id, { body: body.body, urgent: body.urgent ?? false }));
  });

  r.patch('/:id', async (req, res) => {
    const id = idParam(req, 'Family');
    const patch = parseBody(patchBody, req);
    res.json(presentFamily(await updateFamily(deps, staffOf(req), id, patch)));
  });

  return r;
}
