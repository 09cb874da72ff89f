import { startTestApp, type TestApp } from '../helpers/app';
import { addStaffWithToken } from '../../src/staff/accounts';

/** The compose-box preview: encoding and segment count before anything is sent. */

let app: TestApp;
let token: string;

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

beforeAll(async () => {
  app = await startTestApp('api-preview');
  ({ token } = await addStaffWithToken(app.deps.db, { email: 'teacher@preview.test', role: 'district_admin' }, new Date().toISOString()));
});

afterAll(async () => {
  await app.stop();
});

describe('preview', () => {
  test('accented Spanish is UCS-2, split into 67-unit parts', async () => {
    const body = 'Hola familia: la reunión de padres es el miércoles a las 6. ¿Podrán asistir? Habrá traducción al español y cuidado de niños.';
    const units = body.length; // every character here is in the BMP: one UTF-16 unit each
    const res = await api('POST', '/messages/preview', { body });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67), characters: [...body].length });
    expect(res.json.segments).toBeGreaterThan(1);
    const plain = await api('POST', '/messages/preview', { body: 'See you at pickup' });
    expect(plain.json).toEqual({ encoding: 'GSM-7', segments: 1, characters: 17 });
  });

  test('a preview needs a token like every other call', async () => {
    const res = await fetch(`${app.url}/api/v1/messages/preview`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"body":"hi"}' });
    expect(res.status).toBe(401);
  });

  test('a long Portuguese text counts code points as characters', async () => {
    const body = 'Olá! A reunião de pais será na quinta-feira às 18h. 📚 Tragam dúvidas sobre lição de casa.';
    const res = await api('POST', '/messages/preview', { body });
    const units = body.length; // UTF-16 code units: the emoji is two of them
    expect(res.json).toEqual({ encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67), characters: [...body].length });
    expect(res.json.characters).toBe(units - 1);
  });
});
