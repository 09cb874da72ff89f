import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n, type Resource } from 'i18next';
import { DEFAULT_LANGUAGE, LANGUAGES, normalizeLanguage } from './languages';

/**
 * i18next, set up once from templates/{lng}/{namespace}.json read synchronously, so `t` works
 * the moment this module is imported (no backend, no async init, nothing to await in a worker).
 * A recognised language without a template falls back to English.
 */

export const NAMESPACES = ['system', 'updates', 'nudges', 'tips', 'reminders'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** src/i18n → repo root under tsx/ts-jest; dist/src/i18n → repo root after `npm run build`. */
function findTemplatesDir(): string {
  const candidates = [path.resolve(__dirname, '../../templates'), path.resolve(__dirname, '../../../templates')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, DEFAULT_LANGUAGE)));
  if (!found) throw new Error(`templates directory not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function loadTemplates(dir: string): Resource {
  const resources: Resource = {};
  for (const lng of fs.readdirSync(dir).sort()) {
    const lngDir = path.join(dir, lng);
    if (!fs.statSync(lngDir).isDirectory()) continue;
    resources[lng] = {};
    for (const ns of NAMESPACES) {
      const file = path.join(lngDir, `${ns}.json`);
      if (!fs.existsSync(file)) continue;
      try {
        resources[lng][ns] = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        // A broken template file must stop start-up, not silently fall back to English.
        throw new Error(`cannot read template ${file}: ${(err as Error).message}`);
      }
    }
  }
  return resources;
}

const TEMPLATES_DIR = findTemplatesDir();
const resources = loadTemplates(TEMPLATES_DIR);

const instance: i18n = i18next.createInstance();
void instance.init({
  initAsync: false,
  resources,
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  ns: [...NAMESPACES],
  defaultNS: 'system',
  returnNull: false,
  // Texts are SMS, not HTML: "&" must stay "&". skipOnVariables (the default, kept explicit)
  // stops a value such as a student's name being read as "{{...}}" or "$t(...)" itself.
  interpolation: { escapeValue: false, skipOnVariables: true },
  // A text that would reach a parent with "{{school}}" in it is a bug: fail loudly instead.
  missingInterpolationHandler: (text: string, value: unknown) => {
    const name = Array.isArray(value) ? value[1] : String(value);
    throw new Error(`missing variable "${name}" in template "${text}"`);
  },
});

/** Languages that have their own templates (a directory under templates/). */
export function templatedLanguages(): string[] {
  return Object.keys(resources);
}

/**
 * The languages a family can choose, each named in its own script ("English · Español · العربية · …"),
 * for the answer to LANG / IDIOMA / لغة: the ones with templates, in LANGUAGES' order.
 */
export function languageChoices(): string {
  const own = new Set(templatedLanguages());
  return LANGUAGES.filter((l) => own.has(l.code))
    .map((l) => l.native)
    .join(' · ');
}

/**
 * The text for `key` ("system:stop.confirm") in language `lng` (a code, "es-MX", or a
 * name), falling back to English. Throws on a key no language has, or a missing variable.
 */
export function t(lng: string, key: string, vars: Record<string, unknown> = {}): string {
  const code = normalizeLanguage(lng) ?? DEFAULT_LANGUAGE;
  // vars go along so a plural key ("…_one", "…_other") is found by its count.
  if (!instance.exists(key, { ...vars, lng: code })) throw new Error(`no template "${key}" for ${code} or ${DEFAULT_LANGUAGE}`);
  return instance.t(key, { ...vars, lng: code }) as string;
}

/**
 * Whether `lng` has its own text for `key` (false when it would fall back to English). A plural
 * key ("updates:missing.assignments") counts when its `_other` form is there.
 */
export function hasOwnTemplate(lng: string, key: string): boolean {
  const [ns, keyPath] = key.includes(':') ? key.split(':', 2) : ['system', key];
  const own = (k: string) => typeof instance.getResource(lng, ns, k) === 'string';
  return own(keyPath) || own(`${keyPath}_other`);
}

export { TEMPLATES_DIR };
