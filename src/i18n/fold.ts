/**
 * Folds what a parent typed into a comparison key: case, accents and the punctuation,
 * symbols and emoji people add around one word ("¡Español!", "stop.", "STOP 🙏") are
 * dropped, so tables only need one spelling per word. Phones often cannot type accents,
 * and parents often skip them.
 */
export function fold(text: string): string {
  return (
    text
      // NFKC first: full-width letters and punctuation (Chinese IMEs) become plain ones.
      .normalize('NFKC')
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      // Letters with a stroke have no decomposition, so NFD leaves them.
      .replace(/[đĐ]/g, 'd')
      .replace(/[łŁ]/g, 'l')
      // Arabic: tatweel is decoration; final alef maksura is the common Egyptian spelling of yeh.
      .replace(/\u0640/g, '')
      .replace(/\u0649/g, '\u064a')
      .toLowerCase()
      .replace(/[-_\u2010-\u2015]+/g, ' ')
      .replace(/^[\s\p{P}\p{S}\p{Cf}]+|[\s\p{P}\p{S}\p{Cf}]+$/gu, '')
      .replace(/\s+/g, ' ')
  );
}
