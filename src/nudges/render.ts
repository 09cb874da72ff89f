import { t } from '../i18n/i18n';

/**
 * The lines of a weekend nudge, rendered from templates/{lng}/nudges.json and tips.json. Most
 * lines of a school's nudges differ only by the child's name, so each is rendered once with a
 * stand-in for the name and kept (bounded): i18next's lookups were most of a tick's time.
 */

/** Stands for the child's name in a cached rendering; the name goes in last (see named). */
const CHILD = '\u0001child\u0001';
const renderings = new Map<string, string>();
/** Enough for every line of every language, tip, school, teacher and unit a tick meets; bounded, so memory stays flat. */
const MAX_RENDERINGS = 20_000;

/**
 * A template (a full key: "nudges:tip", "tips:…") with CHILD for the child's name. The templates
 * put {{child}} in as it is, so putting the name in afterwards gives the same text.
 */
export function marked(language: string, key: string, vars: Record<string, string | number> = {}, withChild = true): string {
  const cacheKey = `${language}\u0000${key}\u0000${withChild ? 'c' : ''}${JSON.stringify(vars)}`;
  let text = renderings.get(cacheKey);
  if (text === undefined) {
    if (renderings.size >= MAX_RENDERINGS) renderings.clear();
    // Without a child, a template that asks for one still fails loudly (see i18n.ts).
    text = t(language, key, withChild ? { ...vars, child: CHILD } : vars);
    renderings.set(cacheKey, text);
  }
  return text;
}

/** A marked rendering with the child's name in (a function, so a "$" in a name is only a "$"). */
export const named = (text: string, name: string) => text.replaceAll(CHILD, () => name);

/** A line of namespace `nudges`; `vars.child` is the child's name. */
export function render(language: string, key: string, vars: Record<string, string | number>): string {
  const { child, ...rest } = vars;
  if (child === undefined) return marked(language, `nudges:${key}`, rest, false);
  return named(marked(language, `nudges:${key}`, rest), String(child));
}
