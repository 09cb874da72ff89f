/**
 * TEMPORARY stand-in for the sentence bank (branch sentence-bank writes the real one, with the same
 * API, from templates/{lng}/updates.json). Three templates in English and Spanish, so the update
 * API can be built and tested before it lands; replaced by the merge.
 */
export type UpdateSlot = 'subject' | 'skill' | 'count' | 'date' | 'teacher';
export interface UpdateTemplate {
  key: string;
  slots: UpdateSlot[];
  topic: string;
  label?: string;
}

const TEMPLATES: (UpdateTemplate & { text: Record<string, string> })[] = [
  {
    key: 'practice.reading',
    slots: ['skill'],
    topic: 'practice',
    text: {
      en: '{child} is working on {skill}. Reading together for 10 minutes tonight will help.',
      es: '{child} está practicando {skill}. Leer juntos 10 minutos esta noche le ayudará.',
    },
  },
  {
    key: 'praise.specific',
    slots: ['subject', 'skill'],
    topic: 'praise',
    text: {
      en: '{child} did great work in {subject} this week: {skill}. Ask about it tonight!',
      es: '{child} hizo un gran trabajo en {subject} esta semana: {skill}. ¡Pregúntele esta noche!',
    },
  },
  {
    key: 'missing.work',
    slots: ['subject', 'count', 'date'],
    topic: 'missing',
    text: {
      en: '{child} has {count} missing assignments in {subject}. Please help them finish by {date}.',
      es: '{child} tiene {count} tareas pendientes en {subject}. Por favor ayúdele a terminarlas antes del {date}.',
    },
  },
];

export function updateTemplates(): UpdateTemplate[] {
  return TEMPLATES.map(({ text: _t, ...t }) => t);
}

export function isUpdateTemplate(key: string): boolean {
  return TEMPLATES.some((t) => t.key === key);
}

export function renderUpdate(input: {
  language: string;
  template: string;
  child: string;
  slots: Partial<Record<UpdateSlot, string | number>>;
}): { text: string; language: string } {
  const tpl = TEMPLATES.find((t) => t.key === input.template);
  if (!tpl) throw new Error(`no update template "${input.template}"`);
  const language = tpl.text[input.language] ? input.language : 'en';
  const vars: Record<string, string> = { child: input.child };
  for (const slot of tpl.slots) {
    const v = input.slots[slot];
    if (v === undefined || v === '') throw new Error(`template "${input.template}" needs {${slot}}`);
    vars[slot] = String(v);
  }
  return { text: tpl.text[language].replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? ''), language };
}
