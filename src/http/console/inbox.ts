import type { Request, Router } from 'express';
import type { Deps } from '../../deps';
import { inboxTabs, listInbox, type InboxTab } from '../../staff/inbox';
import { staffOf } from '../middleware/auth';
import { fmt } from './format';
import type { Page } from './page';
import { renderFragment } from './render';

const TAB_LABELS: Record<InboxTab, string> = { mine: 'Mine', office: 'Office', unmatched: 'Unknown numbers' };

export function inboxRoutes(r: Router, deps: Deps, page: Page): void {
  const load = async (req: Request) => {
    const who = staffOf(req);
    const tabs = await inboxTabs(deps, who);
    const tab = tabs.find((t) => t === req.query.tab) ?? 'mine';
    const items = await listInbox(deps, who, tab);
    return { viewer: who, tabs: tabs.map((t) => ({ id: t, label: TAB_LABELS[t] })), tab, items, now: deps.clock.now(), zone: deps.config.defaultTimezone, fmt };
  };

  r.get('/inbox', async (req, res) => {
    page(req, res, 'inbox', { title: 'Inbox', section: 'inbox', scripts: ['live.js'], ...(await load(req)) });
  });

  // The list alone, which live.js fetches again when a conversation changes.
  r.get('/inbox/list', async (req, res) => {
    renderFragment(res, 'inbox-list', await load(req));
  });
}
