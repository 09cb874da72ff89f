import { fold } from './fold';
import { languageFromName, normalizeLanguage } from './languages';

/** 'languages' asks which languages there are (LANG, IDIOMA...); 'language' chooses one by its name. */
export type KeywordType = 'stop' | 'start' | 'help' | 'pause' | 'languages' | 'language';

export interface Keyword {
  type: KeywordType;
  /** The table word that matched (for 'language': the trimmed text). */
  word: string;
  /** For 'language': the language to switch to. For a localized word: the language it is
   * a word of, so a confirmation can answer in the language the parent just used. */
  language?: string;
  /** true only when Twilio's default opt-out handling answers this exact text itself, so
   * FamilyLine must record it but send no confirmation of its own. */
  standard: boolean;
}

type Command = Exclude<KeywordType, 'language'>;

/**
 * Twilio's default keywords on long codes and toll-free (English, whole body, any case).
 * Twilio blocks the number on these and sends its own reply.
 */
const TWILIO_STANDARD: Record<Command, readonly string[]> = {
  stop: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'],
  start: ['START', 'YES', 'UNSTOP'],
  help: ['HELP', 'INFO'],
  pause: [],
  languages: [],
};

/**
 * Words Twilio does not know: FamilyLine honours and confirms them itself (CTIA/FCC: any
 * reasonable request to stop). They are matched in every language, whatever the family's
 * language is on file, because an opt-out must never be missed; the family's language only
 * breaks ties. Matching ignores case and accents.
 *
 * Every 'start' word, yes-like ones especially (SÍ, SIM, OUI, TAK, ДА, نعم), is also an
 * ordinary answer to a teacher's question. The caller must only opt a number back in when
 * it is opted out, and must still put the text in the conversation like any reply.
 *
 * Left out on purpose: bare Vietnamese DỪNG and HỦY, which fold to "dung" and "huy",
 * common given names a parent may text on their own (Dũng, Huy).
 *
 * 'languages' words ask for the list of languages: the word for "language" in each, as a parent
 * who cannot read the texts they get would try it.
 */
const LOCALIZED: Record<string, Partial<Record<Command, readonly string[]>>> = {
  en: { stop: ['STOP ALL', 'OPT OUT', 'UNSUBSCRIBE ME', 'STOP TEXTING'], pause: ['PAUSE'], languages: ['LANG', 'LANGUAGE', 'LANGUAGES'] },
  es: {
    stop: ['PARAR', 'ALTO', 'BASTA', 'CANCELAR', 'DETENER', 'BAJA'],
    start: ['COMENZAR', 'EMPEZAR', 'INICIAR', 'SÍ'],
    help: ['AYUDA'],
    pause: ['PAUSA'],
    languages: ['IDIOMA', 'IDIOMAS', 'LENGUA'],
  },
  pt: {
    stop: ['PARAR', 'PARE', 'SAIR', 'CANCELAR'],
    start: ['VOLTAR', 'COMEÇAR', 'INICIAR', 'SIM'],
    help: ['AJUDA'],
    pause: ['PAUSA', 'PAUSAR'],
    languages: ['LÍNGUA', 'IDIOMA', 'IDIOMAS'],
  },
  fr: {
    stop: ['ARRÊT', 'ARRÊTER', 'ARRÊTE', 'DÉSABONNER'],
    start: ['COMMENCER', 'REPRENDRE', 'OUI'],
    help: ['AIDE'],
    pause: ['PAUSE'],
    languages: ['LANGUE', 'LANGUES'],
  },
  pl: {
    stop: ['ZATRZYMAJ', 'WYPISZ', 'REZYGNUJĘ', 'KONIEC'],
    start: ['ZACZNIJ', 'WZNÓW', 'TAK'],
    help: ['POMOC'],
    pause: ['PAUZA'],
    languages: ['JĘZYK', 'JĘZYKI'],
  },
  ru: {
    stop: ['СТОП', 'ОТПИСАТЬСЯ', 'ОТПИСКА'],
    start: ['СТАРТ', 'ДА'],
    help: ['ПОМОЩЬ'],
    pause: ['ПАУЗА'],
    languages: ['ЯЗЫК', 'ЯЗЫКИ'],
  },
  vi: {
    stop: ['NGỪNG', 'DỪNG LẠI', 'HỦY ĐĂNG KÝ'],
    start: ['BẮT ĐẦU', 'CÓ'],
    help: ['TRỢ GIÚP', 'GIÚP ĐỠ'],
    pause: ['TẠM DỪNG'],
    languages: ['NGÔN NGỮ'],
  },
  zh: {
    stop: ['停止', '退订', '退訂', 'TD'],
    start: ['开始', '開始'],
    help: ['帮助', '幫助'],
    pause: ['暂停', '暫停'],
    languages: ['语言', '語言'],
  },
  ar: {
    stop: ['توقف', 'إيقاف', 'إلغاء'],
    start: ['ابدأ', 'نعم'],
    help: ['مساعدة'],
    pause: ['إيقاف مؤقت'],
    languages: ['لغة', 'اللغة', 'لغات'],
  },
  ht: { stop: ['SISPANN'], start: ['KÒMANSE', 'WI'], help: ['ÈD'], pause: ['POZ'] },
  so: { stop: ['JOOJI'], start: ['BILOW', 'HAA'], help: ['CAAWIMAAD'] },
};

interface Entry {
  type: Command;
  word: string;
  language: string;
}

const standardWords = new Map<string, Command>();
const folded = new Map<string, Entry[]>();

function add(key: string, entry: Entry): void {
  const list = folded.get(key) ?? [];
  // One spelling meaning "stop" in one language and "start" in another would be unsafe.
  const clash = list.find((e) => e.type !== entry.type);
  if (clash) throw new Error(`keyword "${entry.word}" is ${clash.type} (${clash.language}) and ${entry.type} (${entry.language})`);
  list.push(entry);
  folded.set(key, list);
}

for (const [type, words] of Object.entries(TWILIO_STANDARD) as [Command, readonly string[]][]) {
  for (const word of words) {
    standardWords.set(word, type);
    // Also reachable through folding ("Stop.", "stop!!"), but then not standard: Twilio
    // may not have acted on it, so FamilyLine confirms (a send to a number Twilio did block
    // fails with 21610, so a parent never gets two confirmations).
    add(fold(word), { type, word, language: 'en' });
  }
}
for (const [language, table] of Object.entries(LOCALIZED)) {
  for (const [type, words] of Object.entries(table) as [Command, readonly string[]][]) {
    for (const word of words) add(fold(word), { type, word, language });
  }
}

/** The keyword the whole text is, or null when it is an ordinary message. */
export function parseKeyword(body: string, familyLanguage?: string): Keyword | null {
  const trimmed = body.trim();
  if (!trimmed) return null;

  const standard = standardWords.get(trimmed.toUpperCase());
  if (standard) return { type: standard, word: trimmed.toUpperCase(), standard: true };

  const entries = folded.get(fold(trimmed));
  if (entries) {
    const preferred = familyLanguage ? normalizeLanguage(familyLanguage) : null;
    const hit = entries.find((e) => e.language === preferred) ?? entries[0];
    return { type: hit.type, word: hit.word, language: hit.language, standard: false };
  }

  const language = languageFromName(trimmed);
  if (language) return { type: 'language', word: trimmed, language, standard: false };
  return null;
}
