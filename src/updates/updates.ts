import type { Deps } from '../deps';
import { AppError } from '../errors';
import { isoNow } from '../lib/clock';
import { segmentInfo } from '../i18n/segments';
import { queueOutbound, type QueuedText } from '../messaging/outbound';
import { senderFor } from '../messaging/senders';
import { visibilityFor, type StaffPrincipal } from '../staff/scope';
import type { Translator } from '../translation/translator';
import { findClass, studentsOfClass, type StudentRow } from '../../db/repositories/classes';
import { getOrCreateConversation } from '../../db/repositories/messages';
import { insertProgressRecords, type NewProgressRecord } from '../../db/repositories/progress';
import { getSchool } from '../../db/repositories/routing';
import { contactLinks, familiesByIds, optedOutNumbers, phonesOfGuardians } from '../../db/repositories/update-audience';
import { workOutAudience } from './audience';
import { checkLength, composeText, renderPart, TranslationSession } from './compose';
import type { FamilyUpdate, UpdateItem, UpdatePreview, UpdateRequest, UpdateSendResult } from './model';
import { isUpdateTemplate, renderUpdate, updateTemplates, type UpdateSlot } from './sentence-bank';
import { sendOnce } from './send-once';
import { isoWeekStart } from './week';

/**
 * A teacher's updates for a class: a preview (per family, the text in its language, its cost, who
 * gets it and who does not and why) and the send (one message of kind `update` per family in its
 * conversation, through the same outbound path as a staff reply, and one progress record per item).
 * Callers: the API (src/http/api/updates.ts) and the console's composer.
 */

const SLOT_NAMES = new Set<string>(['subject', 'skill', 'count', 'date', 'teacher'] satisfies UpdateSlot[]);

export type UpdateDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'queues' | 'redis'>;

interface Loaded {
  schoolId: number;
  timezone: string;
  senderKey: string;
  roll: Map<number, StudentRow>;
}

/** The class as the caller sees it (404 otherwise) and each item checked against it: 400 names every bad item at once. */
async function load(deps: UpdateDeps, who: StaffPrincipal, req: UpdateRequest): Promise<Loaded> {
  const klass = await findClass(deps.db, req.classId, await visibilityFor(deps.db, who));
  if (!klass) throw AppError.notFound(`Class ${req.classId}`);
  const roll = new Map((await studentsOfClass(deps.db, klass.id)).map((s) => [s.id, s]));
  const fields: Record<string, string> = {};
  req.items.forEach((item, i) => {
    const student = roll.get(item.studentId);
    if (!student) fields[`items.${i}.studentId`] = `student ${item.studentId} is not in this class`;
    if ('text' in item) return;
    if (!isUpdateTemplate(item.template)) {
      fields[`items.${i}.template`] = `is not a template of the sentence bank ("${item.template}")`;
      return;
    }
    // Slots a template does not use are ignored (a form may send them all); names no template has are a mistake.
    const unknown = Object.keys(item.slots).filter((k) => !SLOT_NAMES.has(k));
    if (unknown.length) {
      fields[`items.${i}.slots`] = `${unknown.join(', ')} ${unknown.length > 1 ? 'are not slots' : 'is not a slot'} (slots are ${[...SLOT_NAMES].join(', ')})`;
      return;
    }
    try {
      renderUpdate({ language: 'en', template: item.template, child: student?.firstName ?? 'Sam', slots: item.slots });
    } catch (err) {
      if (!(err instanceof AppError) || !err.fields) throw err;
      for (const [k, v] of Object.entries(err.fields)) fields[`items.${i}.${k}`] = v;
    }
  });
  if (Object.keys(fields).length) throw AppError.validation(fields, 'Some updates cannot be sent as they are');
  const school = await getSchool(deps.db, klass.schoolId);
  return {
    schoolId: klass.schoolId,
    timezone: school?.timezone ?? deps.config.defaultTimezone,
    senderKey: senderFor(school, deps.config).key,
    roll,
  };
}

/** The {teacher} slot defaults to the caller's name, so a teacher never types their own name 35 times. */
function withTeacher(items: UpdateItem[], who: StaffPrincipal): UpdateItem[] {
  return items.map((item) => {
    if ('text' in item || item.slots.teacher !== undefined || !who.name) return item;
    const takes = updateTemplates().find((t) => t.key === item.template)?.slots ?? [];
    return takes.includes('teacher') ? { ...item, slots: { ...item.slots, teacher: who.name } } : item;
  });
}

async function build(deps: UpdateDeps, who: StaffPrincipal, req: UpdateRequest, translator: Translator | null): Promise<{ preview: UpdatePreview; items: UpdateItem[]; loaded: Loaded }> {
  const items = withTeacher(req.items, who);
  const loaded = await load(deps, who, { ...req, items });
  const studentIds = [...new Set(items.map((i) => i.studentId))];
  const links = await contactLinks(deps.db, studentIds);
  const phones = await phonesOfGuardians(deps.db, [...new Set(links.map((l) => l.guardianId))]);
  const optedOut = await optedOutNumbers(deps.db, phones.map((p) => p.number), loaded.senderKey);
  const firstNames = new Map(studentIds.map((id) => [id, loaded.roll.get(id)!.firstName]));
  const audience = workOutAudience({ studentIds: items.map((i) => i.studentId), firstNames, links, phones, optedOut });
  const families = new Map((await familiesByIds(deps.db, audience.families.map((f) => f.familyId))).map((f) => [f.id, f]));
  const session = new TranslationSession(translator);
  const defaultLanguage = req.language ?? 'en';

  const out: FamilyUpdate[] = [];
  for (const fa of audience.families) {
    const family = families.get(fa.familyId)!;
    const mine = new Set(fa.studentIds);
    const parts = items.filter((i) => mine.has(i.studentId)).map((i) => renderPart(i, firstNames.get(i.studentId)!, family.language, defaultLanguage));
    const composed = await composeText(parts, family.language, session);
    checkLength(family.displayName, composed.text);
    const seg = segmentInfo(composed.text);
    out.push({
      familyId: family.id,
      familyName: family.displayName,
      language: composed.language,
      familyLanguage: family.language,
      text: composed.text,
      encoding: seg.encoding,
      segments: seg.segments,
      characters: seg.characters,
      students: fa.studentIds.map((id) => ({ id, firstName: firstNames.get(id)! })),
      recipients: fa.recipients,
      skipped: fa.skipped,
      translation: composed.translation,
      original: composed.original,
      pausedUntil: family.pausedUntil && Date.parse(family.pausedUntil) > deps.clock.now() ? family.pausedUntil : null,
    });
  }
  return {
    preview: { classId: req.classId, week: isoWeekStart(deps.clock.now(), loaded.timezone), items: out, unreached: audience.unreached },
    items,
    loaded,
  };
}

export function previewUpdates(deps: UpdateDeps, who: StaffPrincipal, req: UpdateRequest, translator: Translator | null): Promise<UpdatePreview> {
  return build(deps, who, req, translator).then((b) => b.preview);
}

export interface SendOptions {
  /** The client's name for this send (see send-once.ts); null: no protection against a repeat. */
  requestId: string | null;
  /** The teacher's choice when a translation failed: send those texts as written. */
  untranslated?: 'send_as_written';
}

/** At most this many families are written at once: enough to keep the database busy, not flooded. */
const FAMILIES_AT_ONCE = 8;

export async function sendUpdates(
  deps: UpdateDeps,
  who: StaffPrincipal,
  req: UpdateRequest,
  translator: Translator | null,
  opts: SendOptions,
): Promise<UpdateSendResult> {
  const { result, replayed } = await sendOnce(deps.redis, { prefix: deps.config.queuePrefix, staffId: who.id, requestId: opts.requestId }, () =>
    send(deps, who, req, translator, opts),
  );
  return { ...result, replayed };
}

async function send(deps: UpdateDeps, who: StaffPrincipal, req: UpdateRequest, translator: Translator | null, opts: SendOptions): Promise<UpdateSendResult> {
  const { preview, items, loaded } = await build(deps, who, req, translator);
  const failed = preview.items.filter((f) => f.translation?.status === 'failed');
  if (failed.length && opts.untranslated !== 'send_as_written') {
    throw new AppError(
      409,
      'translation_failed',
      `Translation failed for ${failed.length} ${failed.length === 1 ? 'family' : 'families'}; nothing was sent. Send again with "untranslated": "send_as_written" to send as written, or try again later`,
      Object.fromEntries(failed.map((f) => [`families.${f.familyId}`, `${f.familyName}: into ${f.translation!.to} (${f.translation!.error})`])),
    );
  }
  const at = isoNow(deps.clock);
  const queue = preview.items.filter((f) => f.recipients.length);
  let next = 0;
  const lane = async () => {
    while (next < queue.length) {
      const f = queue[next++];
      const conversation = await getOrCreateConversation(deps.db, { schoolId: loaded.schoolId, familyId: f.familyId, unmatchedNumber: null }, at);
      const rows = await queueOutbound(deps, {
        conversationId: conversation.id,
        recipients: f.recipients.map((r) => r.phone),
        body: f.text,
        kind: 'update',
        staffId: who.id,
        language: f.language,
        original: f.original ? { body: f.original.text, language: f.original.language } : null,
      });
      f.messages = rows.map((r): QueuedText => ({ id: r.id, to: r.toNumber, status: r.status, scheduledFor: r.scheduledFor }));
      f.messageId = rows[0]?.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(FAMILIES_AT_ONCE, queue.length) }, lane));

  const firstMessage = new Map<number, number>();
  for (const f of preview.items) for (const s of f.students) if (f.messageId !== undefined && !firstMessage.has(s.id)) firstMessage.set(s.id, f.messageId);
  const records: NewProgressRecord[] = items.map((item) => ({
    studentId: item.studentId,
    schoolId: loaded.schoolId,
    week: preview.week,
    kind: 'update',
    // In English (or as written), so the weekend nudges and staff read every record alike.
    value: 'text' in item ? item.text.trim() : renderUpdate({ language: 'en', template: item.template, child: loaded.roll.get(item.studentId)!.firstName, slots: item.slots }).text,
    details: JSON.stringify('text' in item ? { text: item.text.trim(), language: item.language ?? req.language ?? 'en' } : { template: item.template, slots: item.slots }),
    staffId: who.id,
    messageId: firstMessage.get(item.studentId) ?? null,
    source: 'update',
    createdAt: at,
  }));
  await insertProgressRecords(deps.db, records);
  return { ...preview, requestId: opts.requestId, replayed: false, progressRecords: records.length };
}
