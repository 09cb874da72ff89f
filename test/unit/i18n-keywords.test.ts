import { parseKeyword } from '../../src/i18n/keywords';

describe('parseKeyword: Twilio standard words (Twilio answers these itself)', () => {
  test.each([
    ['STOP', 'stop'], ['stop', 'stop'], [' Stop ', 'stop'], ['STOPALL', 'stop'], ['unsubscribe', 'stop'],
    ['CANCEL', 'stop'], ['End', 'stop'], ['QUIT', 'stop'], ['REVOKE', 'stop'], ['OPTOUT', 'stop'],
    ['START', 'start'], ['yes', 'start'], ['UNSTOP', 'start'],
    ['HELP', 'help'], ['info', 'help'],
  ])('%j → %s, standard', (body, type) => {
    expect(parseKeyword(body)).toEqual({ type, word: body.trim().toUpperCase(), standard: true });
  });
});

describe('parseKeyword: words FamilyLine must honour and confirm itself', () => {
  test.each([
    ['Stop.', 'stop', 'en'], ['stop!!', 'stop', 'en'], ['STOP ALL', 'stop', 'en'], ['opt-out', 'stop', 'en'],
    ['PAUSE', 'pause', 'en'],
    ['PARAR', 'stop', 'es'], ['alto', 'stop', 'es'], ['Basta!', 'stop', 'es'], ['cancelar', 'stop', 'es'],
    ['Detener', 'stop', 'es'], ['COMENZAR', 'start', 'es'], ['sí', 'start', 'es'], ['Si', 'start', 'es'],
    ['AYUDA', 'help', 'es'], ['pausa', 'pause', 'es'],
    ['SAIR', 'stop', 'pt'], ['VOLTAR', 'start', 'pt'], ['começar', 'start', 'pt'], ['comecar', 'start', 'pt'],
    ['sim', 'start', 'pt'], ['AJUDA', 'help', 'pt'],
    ['arrêt', 'stop', 'fr'], ['ARRET', 'stop', 'fr'], ['aide', 'help', 'fr'],
    ['ZATRZYMAJ', 'stop', 'pl'], ['rezygnuję', 'stop', 'pl'], ['pomoc', 'help', 'pl'],
    ['СТОП', 'stop', 'ru'], ['стоп', 'stop', 'ru'], ['помощь', 'help', 'ru'],
    ['Ngừng', 'stop', 'vi'], ['ngung', 'stop', 'vi'], ['tạm dừng', 'pause', 'vi'],
    ['停止', 'stop', 'zh'], ['退订', 'stop', 'zh'], ['TD', 'stop', 'zh'], ['帮助', 'help', 'zh'],
    ['توقف', 'stop', 'ar'], ['إلغاء', 'stop', 'ar'], ['الغاء', 'stop', 'ar'], ['مساعدة', 'help', 'ar'],
    ['SISPANN', 'stop', 'ht'], ['JOOJI', 'stop', 'so'],
  ])('%j → %s (%s)', (body, type, language) => {
    expect(parseKeyword(body)).toMatchObject({ type, language, standard: false });
  });

  test('a word shared by two languages is reported in the family language', () => {
    expect(parseKeyword('PARAR', 'pt')).toMatchObject({ type: 'stop', language: 'pt', word: 'PARAR' });
    expect(parseKeyword('PARAR', 'es')).toMatchObject({ type: 'stop', language: 'es' });
    expect(parseKeyword('cancelar', 'pt-BR')).toMatchObject({ type: 'stop', language: 'pt' });
  });

  test('a localized stop word works whatever language the family has on file', () => {
    expect(parseKeyword('BASTA', 'en')).toMatchObject({ type: 'stop', language: 'es' });
  });
});

describe('parseKeyword: asking for the languages', () => {
  test.each([
    ['LANG', 'en'], ['lang', 'en'], ['Language', 'en'], ['IDIOMA', 'es'], ['idioma', 'es'], ['JĘZYK', 'pl'], ['jezyk', 'pl'],
    ['LÍNGUA', 'pt'], ['lingua', 'pt'], ['لغة', 'ar'], ['اللغة', 'ar'], ['langue', 'fr'], ['язык', 'ru'], ['ngôn ngữ', 'vi'], ['语言', 'zh'],
  ])('%j → languages (%s)', (body, language) => {
    expect(parseKeyword(body)).toMatchObject({ type: 'languages', language, standard: false });
  });
  test('IDIOMA from a Portuguese-speaking family is Portuguese', () => {
    expect(parseKeyword('Idioma', 'pt')).toMatchObject({ type: 'languages', language: 'pt' });
  });
  test('a sentence about a language is a message', () => {
    expect(parseKeyword('what language is this')).toBeNull();
  });
});

describe('parseKeyword: language names', () => {
  test.each([
    ['Spanish', 'es'], ['español', 'es'], ['ESPANOL', 'es'], ['Português', 'pt'], ['polski', 'pl'],
    ['العربية', 'ar'], ['عربي', 'ar'], ['Tiếng Việt', 'vi'], ['中文', 'zh'], ['Kreyòl', 'ht'], ['English', 'en'],
  ])('%j → language %s', (body, language) => {
    expect(parseKeyword(body)).toEqual({ type: 'language', word: body, language, standard: false });
  });
});

describe('parseKeyword: ordinary messages', () => {
  test.each([
    '', '   ', 'Stop texting me about the bake sale please', 'please stop', 'Maria was sick today',
    'I speak Spanish', 'Huy', 'Dũng', 'OK', 'thanks', 'STOP STOP',
  ])('%j → null', (body) => {
    expect(parseKeyword(body)).toBeNull();
  });
});
