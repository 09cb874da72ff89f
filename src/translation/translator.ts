/**
 * What the domain needs from a translation service: one text, from one language into another.
 * The implementation lives at the edge (libretranslate.ts); src/updates depends on this alone.
 */
export interface Translator {
  translate(input: { text: string; source: string; target: string }): Promise<string>;
}

/** The service failed, answered nonsense, or did not answer in time; `message` says which. */
export class TranslationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TranslationError';
  }
}
