import http from 'node:http';

/** Plain node:http with keep-alive: fetch's per-request overhead would eat the 2 cores we measure. */
export function jsonClient(base: string, headers: Record<string, string>, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = http.request(
          base + path,
          {
            method,
            agent,
            headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => {
              let json: unknown = text;
              try {
                json = JSON.parse(text);
              } catch {
                // not JSON: keep the text, the caller reports it
              }
              resolve({ status: res.statusCode ?? 0, json });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
export async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, lane));
}
