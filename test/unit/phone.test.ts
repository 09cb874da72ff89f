import { maskPhone } from '../../src/lib/phone';

describe('maskPhone', () => {
  test('keeps the country code and the last four digits', () => {
    expect(maskPhone('+15555550123')).toBe('+1******0123');
    expect(maskPhone('+351912345678')).toBe('+35******5678');
  });

  test('anything that cannot be a phone number is *** however long, so no log line carries it', () => {
    for (const hostile of ['+1' + '5'.repeat(5004), "'; DROP TABLE messages;--", '72345', 'hello']) {
      expect(maskPhone(hostile)).toBe('***');
    }
    expect(maskPhone(null)).toBe('');
  });
});
