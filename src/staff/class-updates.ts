import crypto from 'node:crypto';
import type { Translator } from '../translation/translator';
import type { UpdatePreview, UpdateRequest, UpdateSendResult } from '../updates/model';
import { previewUpdates, sendUpdates, type SendOptions, type UpdateDeps } from '../updates/updates';
import { updateTemplates, type UpdateTemplate } from '../updates/sentence-bank';
import { findSchool } from '../../db/repositories/schools';
import { classRoster, type ClassRoster } from './contacts';
import type { StaffPrincipal } from './scope';

/**
 * The console's update composer: a class's roster (students, and their guardians by name, so the
 * preview says *who* will not get a text) next to the updates domain's preview and send. Visibility
 * is classRoster's and the updates domain's (scope.ts): a class the caller may not see is a 404.
 */

type Ctx = UpdateDeps & Parameters<typeof classRoster>[0];

export interface TemplateGroup {
  topic: string;
  label: string;
  templates: UpdateTemplate[];
}

const TOPIC_LABELS: Record<string, string> = {
  praise: 'Praise',
  practice: 'Practice at home',
  missing: 'Missing work',
  upcoming: 'Coming up',
  attendance: 'Attendance',
  talk: 'Let us talk',
};

/** The sentence bank for a picker: grouped by topic, in the catalogue's order. */
export function templateGroups(): TemplateGroup[] {
  const groups: TemplateGroup[] = [];
  for (const tpl of updateTemplates()) {
    let g = groups.find((x) => x.topic === tpl.topic);
    if (!g) groups.push((g = { topic: tpl.topic, label: TOPIC_LABELS[tpl.topic] ?? tpl.topic, templates: [] }));
    // "Praise: worked hard in a subject" inside the "Praise" group reads "worked hard in a subject".
    g.templates.push({ ...tpl, label: tpl.label.replace(/^[^:]+:\s*/, '') });
  }
  return groups;
}

/** A class's roster with its school's time zone (held texts say when they leave, in school time). */
export type ComposerRoster = ClassRoster & { timezone: string };

export async function composerRoster(ctx: Ctx, who: StaffPrincipal, classId: number): Promise<ComposerRoster> {
  const roster = await classRoster(ctx, who, classId);
  const school = await findSchool(ctx.db, roster.schoolId);
  return { ...roster, timezone: school?.timezone ?? ctx.config.defaultTimezone };
}

/**
 * What a preview commits to: each family's text and its numbers. A send whose preview, worked out
 * again, differs (a family opted out, a translation came back different) is not sent unseen.
 */
export function previewDigest(preview: UpdatePreview): string {
  const essence = preview.items.map((f) => [f.familyId, f.language, f.text, f.recipients.map((r) => r.phone).sort()]);
  return crypto.createHash('sha256').update(JSON.stringify(essence)).digest('base64url');
}

export async function previewClassUpdates(ctx: Ctx, who: StaffPrincipal, req: UpdateRequest, translator: Translator | null): Promise<{ roster: ComposerRoster; preview: UpdatePreview; digest: string }> {
  const roster = await composerRoster(ctx, who, req.classId);
  const preview = await previewUpdates(ctx, who, req, translator);
  return { roster, preview, digest: previewDigest(preview) };
}

export type ClassSend =
  | { kind: 'sent'; result: UpdateSendResult }
  | { kind: 'changed'; roster: ComposerRoster; preview: UpdatePreview; digest: string };

/**
 * Sends what the teacher previewed, or nothing: when the preview worked out now differs from the
 * one the teacher saw (its digest), the new preview comes back instead. A repeat of a send (same
 * requestId) is answered from the first one by sendUpdates and texts nobody.
 */
export async function sendClassUpdates(
  ctx: Ctx,
  who: StaffPrincipal,
  req: UpdateRequest,
  translator: Translator | null,
  opts: SendOptions & { digest: string },
): Promise<ClassSend> {
  const now = await previewClassUpdates(ctx, who, req, translator);
  if (now.digest !== opts.digest) return { kind: 'changed', ...now };
  return { kind: 'sent', result: await sendUpdates(ctx, who, req, translator, opts) };
}
