/**
 * A staff member's browser, as far as the console's HTTP goes: a cookie jar, the CSRF token of the
 * last page read, and forms posted as a browser posts them. Requests say they came through a TLS
 * proxy (X-Forwarded-Proto: https), as they would in production behind PUBLIC_BASE_URL=https://…
 */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** Raw Set-Cookie headers of the last response. */
  lastSetCookie: string[] = [];
  csrf = '';

  constructor(private readonly baseUrl: string) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { 'x-forwarded-proto': 'https', ...(cookie ? { cookie } : {}), ...extra };
  }

  private keep(res: Response): void {
    this.lastSetCookie = res.headers.getSetCookie();
    for (const c of this.lastSetCookie) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; html: string; res: Response }> {
    const res = await fetch(this.baseUrl + path, { headers: this.headers(headers), redirect: 'manual' });
    this.keep(res);
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, html, res };
  }

  /** A form post with this page's CSRF token unless `_csrf` is given (or null to leave it out). */
  async post(path: string, form: Record<string, string>, opts: { csrf?: string | null } = {}): Promise<{ status: number; html: string; location: string | null }> {
    const body = new URLSearchParams(form);
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (token !== null) body.set('_csrf', token);
    const res = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: body.toString(),
      redirect: 'manual',
    });
    this.keep(res);
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  /** A multipart upload as a browser sends it: the CSRF token in the action's query string, as the console's forms put it. */
  async upload(
    path: string,
    fields: Record<string, string>,
    file: { field?: string; name: string; content: string | Buffer; type?: string } | null,
    opts: { csrf?: string | null } = {},
  ): Promise<{ status: number; html: string; location: string | null }> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    if (file) form.set(file.field ?? 'file', new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: file.type ?? 'text/csv' }), file.name);
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    const url = token === null ? path : `${path}${path.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(token)}`;
    const res = await fetch(this.baseUrl + url, { method: 'POST', headers: this.headers(), body: form, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  async signIn(email: string, password: string): Promise<{ status: number; location: string | null; html: string }> {
    await this.get('/console/sign-in');
    return this.post('/console/sign-in', { email, password });
  }
}
