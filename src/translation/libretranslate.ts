import type { Config } from '../config';
import { TranslationError, type Translator } from './translator';

/**
 * A LibreTranslate-compatible service (TRANSLATE_URL, optional TRANSLATE_API_KEY):
 * POST {url}/translate {q, source, target, format: "text", api_key?} → {translatedText}.
 * TRANSLATE_URL may be the service's base address or its /translate endpoint.
 */
export function libreTranslator(opts: { url: string; apiKey: string | null; timeoutMs: number }): Translator {
  const endpoint = /\/translate\/?$/.test(opts.url) ? opts.url : `${opts.url.replace(/\/+$/, '')}/translate`;
  return {
    async translate({ text, source, target }) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ q: text, source, target, format: 'text', ...(opts.apiKey ? { api_key: opts.apiKey } : {}) }),
          // A slow service must not hold a teacher's preview: past this it counts as failed.
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
      } catch (err) {
        const e = err as Error;
        throw new TranslationError(e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : `could not reach the service (${e.message})`);
      }
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) {
        const detail = body && typeof body === 'object' && 'error' in body ? `: ${String((body as { error: unknown }).error)}` : '';
        throw new TranslationError(`the service answered ${res.status}${detail}`);
      }
      const translated = body && typeof body === 'object' ? (body as { translatedText?: unknown }).translatedText : undefined;
      if (typeof translated !== 'string' || !translated.trim()) throw new TranslationError('the service answered without a translatedText');
      return translated.trim();
    },
  };
}

/** The configured translator, or null when TRANSLATE_URL is not set (texts then go as written). */
export function translatorFromConfig(config: Pick<Config, 'translate'>): Translator | null {
  return config.translate.url ? libreTranslator({ url: config.translate.url, apiKey: config.translate.apiKey, timeoutMs: config.translate.timeoutMs }) : null;
}
