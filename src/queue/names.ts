/** One constant per BullMQ queue. */
export const QUEUE = {
  send: 'send',
  inbound: 'inbound',
} as const;

export interface SendJob {
  messageId: number;
}

export interface InboundJob {
  messageId: number;
}

/** BullMQ refuses purely numeric custom ids, so message 42's job is "msg-42". */
export const sendJobId = (messageId: number) => `msg-${messageId}`;
export const inboundJobId = (messageId: number) => `in-${messageId}`;
