import { segmentInfo, nonGsmCharacters } from '../../src/i18n/segments';

const a = (n: number) => 'a'.repeat(n);

describe('segmentInfo: GSM-7', () => {
  test.each([
    ['160 a', 1, 160, a(160)],
    ['161 a', 2, 161, a(161)],
    ['306 a', 2, 306, a(306)],
    ['307 a', 3, 307, a(307)],
    ['159 a + € (161 septets)', 2, 161, a(159) + '€'],
    ['158 a + € (160 septets)', 1, 160, a(158) + '€'],
    ['escape pair not split: 152 a + € + 152 a', 3, 306, a(152) + '€' + a(152)],
    ['all extension chars count two', 1, 20, '^{}\\[~]|€\f'],
    ['CR LF count one each', 1, 4, 'a\r\nb'],
  ])('%s → %i segment(s), %i units', (_name, segments, units, body) => {
    expect(segmentInfo(body)).toMatchObject({ encoding: 'GSM-7', segments, units });
  });

  test.each(['é', 'ñ', 'Ñ', 'ü', 'Ç', 'ß', '¿', '¡', '§', 'Δ', '@', '£', '¥', 'à'])('%s stays GSM-7', (ch) => {
    expect(segmentInfo(`Mañana ${ch} ok`).encoding).toBe('GSM-7');
  });

  test('the basic table really has 127 characters + ESC', () => {
    const body = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(segmentInfo(body)).toMatchObject({ encoding: 'GSM-7', units: 127 });
  });

  test('Spanish with only é and ñ stays GSM-7', () => {
    const body = 'Señora Pérez: mañana él trae el libro.';
    expect(segmentInfo(body)).toEqual({ encoding: 'GSM-7', segments: 1, characters: 38, units: 38 });
  });
});

describe('segmentInfo: UCS-2', () => {
  test.each([
    ['á + 69 a (70 units)', 1, 70, 'á' + a(69)],
    ['á + 70 a (71 units)', 2, 71, 'á' + a(70)],
    ['á + 133 a (134 units)', 2, 134, 'á' + a(133)],
    ['á + 134 a (135 units)', 3, 135, 'á' + a(134)],
    ['emoji counts 2 units', 1, 2, '😀'],
    ['surrogate pair not split at 67: 66 units + 😀 + 66 a', 3, 134, 'á' + a(65) + '😀' + a(66)],
    ['surrogate pair fits whole at 65+2', 2, 134, 'á' + a(64) + '😀' + a(67)],
  ])('%s → %i segment(s), %i units', (_name, segments, units, body) => {
    expect(segmentInfo(body)).toMatchObject({ encoding: 'UCS-2', segments, units });
  });

  test('characters counts code points, units counts UTF-16', () => {
    expect(segmentInfo('hi 😀')).toEqual({ encoding: 'UCS-2', segments: 1, characters: 4, units: 5 });
  });

  const spanish =
    'Hola, la reunión de padres es el jueves a las 6 de la tarde en la biblioteca. ' +
    'Por favor, traiga el formulario firmado. ¡Gracias!';
  test(`Spanish with á/ó: ${spanish.length} units → UCS-2, 2 segments`, () => {
    expect(spanish.length).toBe(128);
    expect(segmentInfo(spanish)).toEqual({ encoding: 'UCS-2', segments: 2, characters: 128, units: 128 });
  });

  test.each([
    ['Portuguese ç', 'Obrigado pela atenção'],
    ['Portuguese ã', 'Amanhã tem aula'],
    ['Spanish á', 'Está bien'],
    ['Arabic', 'مرحبا بكم في المدرسة'],
    ['Polish', 'Dziękuję'],
    ['curly apostrophe', 'Maria’s book'],
    ['curly quotes', '“Great job”'],
    ['em dash', 'Maria read — a lot'],
    ['en dash', 'pages 1–5'],
    ['ellipsis', 'and then…'],
    ['backtick', 'a `b`'],
    ['tab', 'a\tb'],
  ])('%s forces UCS-2', (_name, body) => {
    expect(segmentInfo(body).encoding).toBe('UCS-2');
  });

  test('nonGsmCharacters names what forced UCS-2', () => {
    expect(nonGsmCharacters('Maria’s book — ok é')).toEqual(['’', '—']);
  });
});

describe('segmentInfo: empty body', () => {
  test('empty body is 0 segments (Twilio will not send one: 21602)', () => {
    expect(segmentInfo('')).toEqual({ encoding: 'GSM-7', segments: 0, characters: 0, units: 0 });
  });
  test('a single space is 1 segment', () => {
    expect(segmentInfo(' ').segments).toBe(1);
  });
});
