/** What FamilyLine needs from an SMS provider. Domain code sees only this. */

export interface OutboundSms {
  to: string;
  /** Exactly one of from / messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback: string;
}

export interface SendResult {
  providerSid: string;
  /** Provider status at acceptance, usually "queued". */
  status: string;
  segments: number | null;
}

/** What a provider error code means for the number it was sent to. */
export type ErrorAction = 'opt_out' | 'landline' | 'invalid_number' | 'configuration' | null;

/** A send the provider refused. `retryable` decides between backoff and a permanent failure. */
export class SendError extends Error {
  constructor(
    message: string,
    public readonly code: number | null,
    public readonly retryable: boolean,
    public readonly httpStatus: number | null = null,
    public readonly action: ErrorAction = null,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export interface InboundSms {
  providerSid: string;
  from: string;
  to: string;
  /** Set when the number that was texted belongs to a messaging service. */
  messagingServiceSid: string | null;
  body: string;
  numMedia: number;
  mediaUrls: string[];
  /** Set when the provider's Advanced Opt-Out already recognised STOP / START / HELP. */
  optOutType: 'STOP' | 'START' | 'HELP' | null;
}

export interface StatusUpdate {
  providerSid: string;
  /** Already mapped to FamilyLine's statuses: queued, sending, sent, delivered, undelivered, failed. */
  status: string;
  errorCode: number | null;
  /** What errorCode means for the number (e.g. 'landline' for 30006), from the provider's table. */
  errorAction: ErrorAction;
  /** The error is the carrier's passing trouble (a phone switched off): the text may go through later. */
  errorRetryable: boolean;
  to: string | null;
  from: string | null;
}

export type WebhookParams = Record<string, string>;

/** What the provider says about a message when asked, in the form its status callback carries. */
export interface StatusLookup {
  update: StatusUpdate;
  /** The provider's answer, kept for audit like a callback's parameters. */
  raw: WebhookParams;
}

/**
 * Whether a webhook may be read at all. A valid signature proves who holds the auth token, not
 * that the text belongs to this deployment's account, so a webhook for another account is refused too.
 */
export type WebhookVerdict =
  | { trusted: true }
  | { trusted: false; reason: 'bad_signature' }
  /** `accountSid` is what the webhook named, null when it named none that looks like one. */
  | { trusted: false; reason: 'other_account'; accountSid: string | null };

export interface SmsChannel {
  readonly name: 'twilio' | 'sim';
  send(msg: OutboundSms): Promise<SendResult>;
  /** Throws AppError(400) when the body is not an inbound message. */
  parseInbound(params: WebhookParams): InboundSms;
  /** Throws AppError(400) when the body is not a status callback. */
  parseStatus(params: WebhookParams): StatusUpdate;
  /**
   * Asks the provider for the status of a message it took, for when its callbacks never came.
   * Throws a SendError (the provider's code, and whether asking again later may help) when it cannot answer.
   */
  fetchStatus(providerSid: string): Promise<StatusLookup>;
  /** Trusted when the signature is the provider's for this URL and these parameters, for our own account. */
  verifyWebhook(signature: string | undefined, url: string, params: WebhookParams): WebhookVerdict;
  /** True when the provider itself answers the standard English STOP/START/HELP words on this sender. */
  answersStandardKeywords: boolean;
}
