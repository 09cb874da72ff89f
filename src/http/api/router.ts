import express, { Router } from 'express';
import type { Deps } from '../../deps';
import { requireStaff } from '../middleware/auth';
import { schoolsRouter } from './schools';
import { familiesRouter } from './families';
import { conversationsRouter } from './conversations';
import { messagesRouter } from './messages';
import { classesRouter } from './classes';
import { studentsRouter } from './students';
import { rosterImportsRouter } from './roster-imports';
import { updatesRouter } from './updates';
import { nudgesRouter } from './nudges';
import { progressRouter } from './progress';
import { broadcastsRouter } from './broadcasts';
import { remindersRouter } from './reminders';

/**
 * The staff JSON API (/api/v1). Every route needs a bearer token (`npm run cli -- staff add`).
 * What a caller may see is decided in src/staff/scope.ts alone; rows outside it answer 404.
 *
 *   POST/GET /schools, GET/PATCH /schools/:id
 *   POST/GET /families, GET/PATCH /families/:id
 *   POST /families/:id/messages     (202: as a conversation reply, opening the family's conversation if needed)
 *   GET /conversations, GET /conversations/:id
 *   GET /conversations/:id/messages   (oldest first; the page reaching the newest marks it read)
 *   POST /conversations/:id/messages  (202: a staff reply to every textable number)
 *   GET /messages/:id, POST /messages/preview
 *   GET /classes, GET /classes/:id    (with teachers and students; the roster import writes them)
 *   PATCH /classes/:id                ({"currentUnit"}: what the class is learning now; its teachers and admins)
 *   GET /students, GET /students/:id  (?classId= ?schoolId=; with classIds and guardians incl. no-contact)
 *   GET /students/:id/progress        (the student's progress records, newest week first)
 *   POST /progress, POST /progress/imports  (progress records as JSON, or a CSV import; see src/http/api/progress.ts)
 *   POST/GET /roster/imports, GET /roster/imports/:id  (multipart upload run as a queued import; its report)
 *   POST /updates/preview, POST /updates  (a teacher's updates for a class: one text per family, in its
 *                                          language; items or a CSV; see src/http/api/updates.ts)
 *
 *   POST /broadcasts, POST /broadcasts/preview, GET /broadcasts[?schoolId=], GET /broadcasts/:id,
 *   POST /broadcasts/:id/pause|resume|cancel, GET /broadcasts/:id/report[.csv]
 *                                         (bulk reminders, school and district admins; src/http/api/broadcasts.ts)
 *   GET /reminders[?language=xx]           (the school reminders a broadcast may use instead of texts: id, title, slots)
 *
 *   GET /nudges/report?week=YYYY-Www[&schoolId=]  (admins: per school and language, the week's weekend
 *                                          nudges sent, delivered, replied, tip feedback, opt-outs)
 *
 * Lists answer {"items":[...],"nextCursor":null|"..."} and take ?limit= (1..500, default 50)
 * and ?cursor= (copied from nextCursor).
 */
export function apiRouter(deps: Deps): Router {
  const r = Router();
  // Authenticate before reading a body: an anonymous caller gets 401 without us parsing anything.
  r.use(requireStaff(deps));
  r.use(express.json({ limit: '100kb' }));
  r.use('/schools', schoolsRouter(deps));
  r.use('/families', familiesRouter(deps));
  r.use('/conversations', conversationsRouter(deps));
  r.use('/messages', messagesRouter(deps));
  r.use('/classes', classesRouter(deps));
  r.use('/students', studentsRouter(deps));
  r.use('/roster/imports', rosterImportsRouter(deps));
  r.use('/updates', updatesRouter(deps));
  r.use('/nudges', nudgesRouter(deps));
  r.use('/progress', progressRouter(deps));
  r.use('/broadcasts', broadcastsRouter(deps));
  r.use('/reminders', remindersRouter(deps));
  return r;
}
