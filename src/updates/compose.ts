import { AppError } from '../errors';
import { getLanguage, normalizeLanguage } from '../i18n/languages';
import { TranslationError, type Translator } from '../translation/translator';
import type { TranslationNote, UpdateItem } from './model';
import { renderUpdate } from './sentence-bank';

/** A family's text, sentence by sentence: the sentence bank's in the family's language, free text as written, translated when it can be. */

/** One sentence before translation, in the language it was written or rendered in. */
interface Part {
  text: string;
  language: string;
}

const languageName = (code: string) => getLanguage(code)?.english ?? code;

/** Twilio refuses longer bodies; the API keeps each free text well below it. */
export const MAX_TEXT_CHARS = 1600;

/**
 * The translations of one request. Texts repeat across families (one child, two households) and
 * are asked for once; after the service fails once, the rest of the request does not wait for it
 * again, so a dead service costs one timeout, not one per family.
 */
export class TranslationSession {
  private readonly done = new Map<string, Promise<string>>();
  private failure: TranslationError | null = null;

  constructor(readonly translator: Translator | null) {}

  async translate(text: string, source: string, target: string): Promise<{ text: string } | { error: string }> {
    const key = `${source}\u0000${target}\u0000${text}`;
    let pending = this.done.get(key);
    if (!pending) {
      if (this.failure) return { error: this.failure.message };
      pending = this.translator!.translate({ text, source, target });
      this.done.set(key, pending);
    }
    try {
      return { text: await pending };
    } catch (err) {
      if (!(err instanceof TranslationError)) throw err;
      this.failure ??= err;
      return { error: err.message };
    }
  }
}

/** The item's sentence in `language` (a template falls back to English where it has no wording). */
export function renderPart(item: UpdateItem, child: string, language: string, defaultLanguage: string): Part {
  if ('text' in item) return { text: item.text.trim(), language: item.language ?? defaultLanguage };
  return renderUpdate({ language, template: item.template, child, slots: item.slots });
}

export interface ComposedText {
  text: string;
  language: string;
  translation: TranslationNote | null;
  original: { text: string; language: string } | null;
}

/**
 * Joins a family's sentences into its one text. A sentence in another language than the family's is
 * translated when a service is configured; without one, or when it fails, it stays as written and
 * the note says so (the send decides what a failure means).
 */
export async function composeText(parts: Part[], familyLanguage: string, session: TranslationSession): Promise<ComposedText> {
  const target = normalizeLanguage(familyLanguage) ?? familyLanguage;
  const foreign = parts.filter((p) => (normalizeLanguage(p.language) ?? p.language) !== target);
  const original = parts.map((p) => p.text).join(' ');
  if (!foreign.length) return { text: original, language: target, translation: null, original: null };
  const from = normalizeLanguage(foreign[0].language) ?? foreign[0].language;
  if (!session.translator) {
    return {
      text: original,
      language: from,
      translation: { status: 'not_configured', from, to: target, note: `will arrive in ${languageName(from)}` },
      original: null,
    };
  }
  const out: string[] = [];
  let error: string | null = null;
  for (const p of parts) {
    const source = normalizeLanguage(p.language) ?? p.language;
    if (source === target) {
      out.push(p.text);
      continue;
    }
    const r = await session.translate(p.text, source, target);
    if ('error' in r) {
      error = r.error;
      break;
    }
    out.push(r.text);
  }
  if (error !== null) {
    return {
      text: original,
      language: from,
      translation: {
        status: 'failed',
        from,
        to: target,
        error,
        note: `Translation into ${languageName(target)} failed: send it as written (in ${languageName(from)}), or wait and try again`,
      },
      original: null,
    };
  }
  return { text: out.join(' '), language: target, translation: { status: 'translated', from, to: target }, original: { text: original, language: from } };
}

/** A family text Twilio would refuse is the request's problem, said before anything is sent. */
export function checkLength(familyName: string, text: string): void {
  if ([...text].length > MAX_TEXT_CHARS) {
    throw AppError.validation(
      { items: `the text for ${familyName} would be ${[...text].length} characters; a text holds at most ${MAX_TEXT_CHARS}` },
      'An update is too long',
    );
  }
}
