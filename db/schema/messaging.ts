import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { bool, createdAt, id, updatedAt } from './columns';
import { families, schools, staff } from './people';

/** Per number and sending number, as carriers keep them. A row present means opted out. */
export const optOuts = sqliteTable(
  'opt_outs',
  {
    id: id(),
    phoneNumber: text('phone_number').notNull(),
    sendingNumber: text('sending_number').notNull(),
    since: text('since').notNull(),
    keyword: text('keyword'),
    /** 'keyword' (texted by the family), 'carrier' (21610 on send), 'staff'. */
    source: text('source').notNull(),
  },
  (t) => [uniqueIndex('opt_outs_pair_uq').on(t.phoneNumber, t.sendingNumber)],
);

export const conversations = sqliteTable(
  'conversations',
  {
    id: id(),
    /** Null only for a number that texted before any school existed: nothing inbound is dropped. */
    schoolId: integer('school_id').references(() => schools.id),
    familyId: integer('family_id').references(() => families.id),
    /** Set instead of familyId for a number no roster knows. */
    unmatchedNumber: text('unmatched_number'),
    assignedStaffId: integer('assigned_staff_id').references(() => staff.id),
    unreadCount: integer('unread_count').notNull().default(0),
    lastMessageAt: text('last_message_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('conversations_family_uq').on(t.schoolId, t.familyId),
    uniqueIndex('conversations_unmatched_uq').on(t.schoolId, t.unmatchedNumber),
    index('conversations_last_idx').on(t.schoolId, t.lastMessageAt),
  ],
);

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
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const messages = sqliteTable(
  'messages',
  {
    id: id(),
    conversationId: integer('conversation_id').notNull().references(() => conversations.id),
    direction: text('direction', { enum: ['inbound', 'outbound'] }).notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull(),
    body: text('body').notNull(),
    language: text('language'),
    encoding: text('encoding'),
    segments: integer('segments'),
    fromNumber: text('from_number').notNull(),
    toNumber: text('to_number').notNull(),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    providerSid: text('provider_sid'),
    errorCode: integer('error_code'),
    staffId: integer('staff_id').references(() => staff.id),
    /** Urgent texts (closures, safety) and replies to a keyword may leave outside quiet hours. */
    urgent: bool('urgent').notNull().default(false),
    /** The one confirmation owed after an opt-out: the only text an opted-out number may get. */
    confirmsOptOut: bool('confirms_opt_out').notNull().default(false),
    /** How many times the text was handed to the carrier (a claim counts one, whatever came of it). */
    attempts: integer('attempts').notNull().default(0),
    /**
     * Which send job carries the message: 0 its first (msg-<id>), n the n-th put back in line after
     * it (a carrier retry or a recovery: msg-<id>-r<n>). Each new job gets a new id, so none is
     * refused because an earlier one is still running or kept for the record.
     */
    sendRound: integer('send_round').notNull().default(0),
    /**
     * While status is 'sending' without a provider sid, a worker holds the message and may be
     * talking to the carrier; past this time (UTC ISO) that worker is taken for dead.
     */
    claimedUntil: text('claimed_until'),
    /** Why FamilyLine itself ended a text as failed when no carrier code says so (see deliver.ts). */
    failureReason: text('failure_reason'),
    /** When a held message may leave (UTC ISO). */
    scheduledFor: text('scheduled_for'),
    sentAt: text('sent_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Per direction: a provider sid names one text we sent and, separately, one we received. A
    // received text whose sid matches a sent one is still a text someone sent us (see storeInbound).
    uniqueIndex('messages_direction_sid_uq').on(t.direction, t.providerSid),
    index('messages_conversation_idx').on(t.conversationId, t.id),
    index('messages_to_idx').on(t.toNumber, t.createdAt),
  ],
);

export const EVENT_SOURCES = ['callback', 'lookup'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** Every status callback as it came and every lookup's answer, for audit; `applied` says whether it moved the status. */
export const messageEvents = sqliteTable(
  'message_events',
  {
    id: id(),
    messageId: integer('message_id').references(() => messages.id),
    providerSid: text('provider_sid').notNull(),
    status: text('status').notNull(),
    errorCode: integer('error_code'),
    applied: bool('applied').notNull(),
    /** 'callback' (the provider told us) or 'lookup' (we asked it: the callback never came). */
    source: text('source', { enum: EVENT_SOURCES }).notNull().default('callback'),
    raw: text('raw').notNull(),
    at: text('at').notNull(),
  },
  (t) => [index('message_events_message_idx').on(t.messageId, t.id), index('message_events_sid_idx').on(t.providerSid)],
);
