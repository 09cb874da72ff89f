import { sql } from 'drizzle-orm';
import type { SchemaKit } from './kit';
import { createdAt, updatedAt } from './columns';
import type { peopleTables } from './people';

export const MESSAGE_KINDS = ['reply', 'update', 'nudge', 'reminder', 'system'] as const;
export const MESSAGE_STATUSES = [
  'received',
  'queued',
  'held',
  'blocked',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  /** A broadcast's text that was still waiting when staff canceled the broadcast: never sent. */
  'canceled',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export const EVENT_SOURCES = ['callback', 'lookup'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Opt-outs, conversations, messages and every status callback they got. */
export function messagingTables(k: SchemaKit, { families, schools, staff }: ReturnType<typeof peopleTables>) {
  /** Per number and sending number, as carriers keep them. A row present means opted out. */
  const optOuts = k.table(
    'opt_outs',
    {
      id: k.id(),
      phoneNumber: k.text('phone_number').notNull(),
      sendingNumber: k.text('sending_number').notNull(),
      since: k.text('since').notNull(),
      keyword: k.text('keyword'),
      /** 'keyword' (texted by the family), 'carrier' (21610 on send), 'staff'. */
      source: k.text('source').notNull(),
    },
    (t) => [k.uniqueIndex('opt_outs_pair_uq').on(t.phoneNumber, t.sendingNumber)],
  );

  const conversations = k.table(
    'conversations',
    {
      id: k.id(),
      /** Null only for a number that texted before any school existed: nothing inbound is dropped. */
      schoolId: k.integer('school_id').references(() => schools.id),
      familyId: k.integer('family_id').references(() => families.id),
      /** Set instead of familyId for a number no roster knows. */
      unmatchedNumber: k.text('unmatched_number'),
      assignedStaffId: k.integer('assigned_staff_id').references(() => staff.id),
      unreadCount: k.integer('unread_count').notNull().default(0),
      lastMessageAt: k.text('last_message_at'),
      createdAt: createdAt(k),
    },
    (t) => [
      k.uniqueIndex('conversations_family_uq').on(t.schoolId, t.familyId),
      k.uniqueIndex('conversations_unmatched_uq').on(t.schoolId, t.unmatchedNumber),
      // A unique index lets NULLs differ on both dialects, so the district's unmatched inbox (no
      // school) needs its own: two hosts storing a first text from one unknown number share one.
      k.uniqueIndex('conversations_unmatched_district_uq').on(t.unmatchedNumber).where(sql`school_id is null`),
      k.index('conversations_last_idx').on(t.schoolId, t.lastMessageAt),
    ],
  );

  const messages = k.table(
    'messages',
    {
      id: k.id(),
      conversationId: k.integer('conversation_id').notNull().references(() => conversations.id),
      direction: k.text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
      kind: k.text('kind', { enum: MESSAGE_KINDS }).notNull(),
      /** What the family got: for a translated text, the translation. */
      body: k.text('body').notNull(),
      language: k.text('language'),
      /** What staff wrote, when the family got a translation of it (else null). */
      originalBody: k.text('original_body'),
      originalLanguage: k.text('original_language'),
      encoding: k.text('encoding'),
      segments: k.integer('segments'),
      fromNumber: k.text('from_number').notNull(),
      toNumber: k.text('to_number').notNull(),
      status: k.text('status', { enum: MESSAGE_STATUSES }).notNull(),
      providerSid: k.text('provider_sid'),
      errorCode: k.integer('error_code'),
      staffId: k.integer('staff_id').references(() => staff.id),
      /** Urgent texts (closures, safety) and replies to a keyword may leave outside quiet hours. */
      urgent: k.bool('urgent').notNull().default(false),
      /** The one confirmation owed after an opt-out: the only text an opted-out number may get. */
      confirmsOptOut: k.bool('confirms_opt_out').notNull().default(false),
      /** How many times the text was handed to the carrier (a claim counts one, whatever came of it). */
      attempts: k.integer('attempts').notNull().default(0),
      /**
       * Which send job carries the message: 0 its first (msg-<id>), n the n-th put back in line after
       * it (a carrier retry or a recovery: msg-<id>-r<n>). Each new job gets a new id, so none is
       * refused because an earlier one is still running or kept for the record.
       */
      sendRound: k.integer('send_round').notNull().default(0),
      /**
       * While status is 'sending' without a provider sid, a worker holds the message and may be
       * talking to the carrier; past this time (UTC ISO) that worker is taken for dead.
       */
      claimedUntil: k.text('claimed_until'),
      /** Why FamilyLine itself ended a text as failed when no carrier code says so (see deliver.ts). */
      failureReason: k.text('failure_reason'),
      /** The broadcast (bulk reminder) this text belongs to; no key, as with nudge_plans.message_id. */
      broadcastId: k.integer('broadcast_id'),
      /** When a held message may leave (UTC ISO). */
      scheduledFor: k.text('scheduled_for'),
      sentAt: k.text('sent_at'),
      createdAt: createdAt(k),
      updatedAt: updatedAt(k),
    },
    (t) => [
      // Per direction: a provider sid names one text we sent and, separately, one we received. A
      // received text whose sid matches a sent one is still a text someone sent us (see storeInbound).
      k.uniqueIndex('messages_direction_sid_uq').on(t.direction, t.providerSid),
      k.index('messages_conversation_idx').on(t.conversationId, t.id),
      k.index('messages_to_idx').on(t.toNumber, t.createdAt),
      k.index('messages_broadcast_idx').on(t.broadcastId, t.status),
    ],
  );

  /** Every status callback as it came and every lookup's answer, for audit; `applied` says whether it moved the status. */
  const messageEvents = k.table(
    'message_events',
    {
      id: k.id(),
      messageId: k.integer('message_id').references(() => messages.id),
      providerSid: k.text('provider_sid').notNull(),
      status: k.text('status').notNull(),
      errorCode: k.integer('error_code'),
      applied: k.bool('applied').notNull(),
      raw: k.text('raw').notNull(),
      at: k.text('at').notNull(),
      /** 'callback' (the provider told us) or 'lookup' (we asked it: the callback never came). */
      source: k.text('source', { enum: EVENT_SOURCES }).notNull().default('callback'),
    },
    (t) => [k.index('message_events_message_idx').on(t.messageId, t.id), k.index('message_events_sid_idx').on(t.providerSid)],
  );

  return { optOuts, conversations, messages, messageEvents };
}
