import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../deps';
import { getConversation, listConversations, readMessages, replyToConversation, summarize, type ConversationRow } from '../../staff/inbox';
import type { ConversationSummary } from '../../../db/repositories/conversation-reads';
import { staffOf } from '../middleware/auth';
import { presentMessage } from './messages';
import { DEFAULT_LIMIT, decodeCursor, idCursor, idParam, page, pageQuery, parseBody, parseQuery, queryBool, queryId } from './validate';

export function presentConversation(c: ConversationRow & Pick<ConversationSummary, 'familyName' | 'children'>) {
  return {
    id: c.id,
    familyId: c.familyId,
    /** The family's display name and its children's first names (null and [] for an unknown number). */
    familyName: c.familyName,
    children: c.children,
    schoolId: c.schoolId,
    unmatchedNumber: c.unmatchedNumber,
    assignedStaffId: c.assignedStaffId,
    lastMessageAt: c.lastMessageAt,
    unread: c.unreadCount > 0,
    unreadCount: c.unreadCount,
    createdAt: c.createdAt,
  };
}

const listQuery = z.strictObject({
  ...pageQuery,
  familyId: queryId.optional(),
  schoolId: queryId.optional(),
  unmatched: queryBool.optional(),
  unread: queryBool.optional(),
});
/** Conversations sort by latest activity, so the cursor carries that time and the id. */
const activityCursor = z.tuple([z.string().max(40), z.number().int().positive()]);
const messagesQuery = z.strictObject(pageQuery);

/** Twilio refuses bodies over 1600 characters; blank texts are refused here. */
export const replyBody = z.strictObject({
  body: z
    .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(1600, 'must be at most 1600 characters'),
  urgent: z.boolean({ error: 'must be true or false' }).optional(),
});

export function conversationsRouter(deps: Deps): Router {
  const r = Router();

  r.get('/', async (req, res) => {
    const { limit = DEFAULT_LIMIT, cursor, ...filter } = parseQuery(listQuery, req);
    const after = decodeCursor(activityCursor, cursor);
    const rows = await listConversations(deps, staffOf(req), filter, {
      limit,
      after: after ? { activity: after[0], id: after[1] } : undefined,
    });
    res.json(page(await summarize(deps, rows), limit, presentConversation, (c) => [c.activity, c.id]));
  });

  r.get('/:id', async (req, res) => {
    const [c] = await summarize(deps, [await getConversation(deps, staffOf(req), idParam(req, 'Conversation'))]);
    res.json(presentConversation(c));
  });

  // Reading the page that reaches the newest message marks the conversation read (unreadCount 0);
  // there is no separate "mark read" call.
  r.get('/:id/messages', async (req, res) => {
    const id = idParam(req, 'Conversation');
    const q = parseQuery(messagesQuery, req);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(idCursor, q.cursor);
    const rows = await readMessages(deps, staffOf(req), id, { limit, afterId: after?.[0] });
    res.json(page(rows, limit, presentMessage, (m) => [m.id]));
  });

  r.post('/:id/messages', async (req, res) => {
    const id = idParam(req, 'Conversation');
    const body = parseBody(replyBody, req);
    const result = await replyToConversation(deps, staffOf(req), id, { body: body.body, urgent: body.urgent ?? false });
    res.status(202).json(result);
  });

  return r;
}
