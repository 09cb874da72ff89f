import { detectLanguage } from '../../src/i18n/detect-language';

test.each([
  ['es', 'Gracias maestra, mi hijo va a estudiar más en casa esta semana'],
  ['es', 'Hola, ¿cómo está usted? Mi hija va a llegar tarde mañana.'],
  ['pt', 'Obrigada professora, meu filho vai estudar mais em casa esta semana'],
  ['pl', 'Dziękuję pani, mój syn będzie więcej się uczył w domu w tym tygodniu'],
  ['ar', 'شكرا للمعلمة، سيدرس ابني أكثر في المنزل هذا الأسبوع'],
  ['en', 'Thank you, my son will study more at home this week'],
  ['fr', 'Merci madame, mon fils va étudier plus à la maison cette semaine'],
  ['vi', 'Cảm ơn cô giáo, con tôi sẽ học nhiều hơn ở nhà tuần này'],
  ['ru', 'Спасибо, мой сын будет больше заниматься дома на этой неделе'],
])('%s: a parent\'s reply is read as written in it', async (code, text) => {
  expect(await detectLanguage(text)).toBe(code);
});

test('a short reply says nothing about the language', async () => {
  expect(await detectLanguage('ok gracias')).toBeNull();
  expect(await detectLanguage('👍👍')).toBeNull();
});
