import { maskPhone } from '../../lib/phone';
import type { SimContext } from './context';
import { KEYWORD_REPLIES, standardKeyword } from './keywords';
import { segmentInfo } from '../../i18n/segments';
import type { SimMessage } from './store';
import { API_VERSION, newSid } from './twilio-json';

export interface InboundResult {
  sid: string;
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
}

/**
 * A phone texts the service: Twilio's own keyword handling first (opt-out list, standard
 * reply), then the signed inbound webhook, which Twilio still sends for keywords (OptOutType).
 */
export async function textService(ctx: SimContext, from: string, to: string, body: string): Promise<InboundResult> {
  const now = ctx.clock.now();
  const segments = Math.max(1, segmentInfo(body).segments);
  const m = simMessage(ctx, { direction: 'inbound', origin: 'phone', from, to, body, segments, status: 'receiving', at: now });
  ctx.store.add(m);

  const keyword = standardKeyword(body);
  if (keyword === 'STOP') ctx.store.setOptedOut(from, to, true);
  if (keyword === 'START') ctx.store.setOptedOut(from, to, false);
  if (keyword) {
    ctx.logger.info({ phone: maskPhone(from), service: maskPhone(to), keyword }, 'sim handled standard keyword');
    autoReply(ctx, to, from, KEYWORD_REPLIES[keyword]);
  }

  const params: Record<string, string> = {
    ToCountry: 'US',
    ToState: '',
    SmsMessageSid: m.sid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: m.sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: body,
    FromCountry: 'US',
    To: to,
    ToZip: '',
    NumSegments: String(segments),
    MessageSid: m.sid,
    AccountSid: ctx.accountSid,
    From: from,
    ApiVersion: API_VERSION,
    ...(keyword ? { OptOutType: keyword } : {}),
    ...(ctx.store.servicesByNumber.has(to) ? { MessagingServiceSid: ctx.store.servicesByNumber.get(to)! } : {}),
  };
  const url = `${ctx.publicBaseUrl}/webhooks/twilio/sms`;
  const r = await ctx.webhooks.post(url, params, m.sid);
  if (r.ok) {
    ctx.store.setStatus(m, 'received', ctx.clock.now());
    // Twilio sends whatever <Message> the TwiML answer holds; FamilyLine answers <Response/>.
    for (const reply of twimlMessages(r.text)) autoReply(ctx, to, from, reply, 'api');
  } else {
    // 11200 is Twilio's "HTTP retrieval failure", what its debugger shows for a failing webhook.
    ctx.store.setStatus(m, 'failed', ctx.clock.now(), 11200, r.error);
    ctx.logger.error({ sid: m.sid, phone: maskPhone(from), httpStatus: r.status, error: r.error }, 'sim inbound webhook failed');
  }
  return { sid: m.sid, ok: r.ok, httpStatus: r.status, error: r.error };
}

/** A text the carrier side sends and delivers at once (no status callback: the service did not send it). */
function autoReply(ctx: SimContext, from: string, to: string, body: string, origin: 'auto' | 'api' = 'auto'): void {
  const m = simMessage(ctx, { direction: 'outbound', origin, from, to, body, segments: Math.max(1, segmentInfo(body).segments), status: 'sent', at: ctx.clock.now() });
  ctx.store.add(m);
  ctx.store.setStatus(m, 'delivered', ctx.clock.now());
}

function simMessage(
  ctx: SimContext,
  f: Pick<SimMessage, 'direction' | 'origin' | 'from' | 'to' | 'body' | 'segments' | 'status'> & { at: number },
): SimMessage {
  return {
    sid: newSid(),
    accountSid: ctx.accountSid,
    messagingServiceSid: null,
    statusCallback: null,
    errorCode: null,
    errorMessage: null,
    failWith: null,
    loseFinalCallback: false,
    createdAt: f.at,
    updatedAt: f.at,
    releasedAt: null,
    releaseSeq: null,
    events: [{ status: f.status, errorCode: null, at: f.at }],
    direction: f.direction,
    origin: f.origin,
    from: f.from,
    to: f.to,
    body: f.body,
    segments: f.segments,
    status: f.status,
  };
}

const XML_ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'", '&amp;': '&' };

/** Bodies of <Message> verbs in a TwiML answer (plain text or a nested <Body>). */
export function twimlMessages(twiml: string): string[] {
  const out: string[] = [];
  for (const match of twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)) {
    const inner = /<Body>([\s\S]*?)<\/Body>/.exec(match[1])?.[1] ?? match[1].replace(/<[^>]+>/g, '');
    const text = inner.replace(/&(lt|gt|quot|apos|amp);/g, (e) => XML_ENTITIES[e]).trim();
    if (text) out.push(text);
  }
  return out;
}
