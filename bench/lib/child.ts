/**
 * Entry of a server-under-test child process. Servers run apart from autocannon and the
 * parent's polling so that, on a 2-core machine, load generator and server do not share a
 * event loop. Speaks IPC: sends {type:'ready',url}; on {type:'stop'} closes, answers
 * {type:'stopped',maxRssKb} and exits.
 *
 *   child.ts baseline            bare Express 5 + express.urlencoded answering <Response/>
 *   child.ts familyline web,sim   startFamilyLine with those roles, config from env
 *   child.ts bare web|worker|sim  one hop of the send benchmark's baseline (bare-pipeline.ts)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../../src/config';
import { startFamilyLine, type Role } from '../../src/runtime';
import { startBare, type BareRole, type Started } from './bare-pipeline';

/** The same body parser settings as the real webhook router, so only the work after parsing differs. */
async function startBaseline(): Promise<Started> {
  const app = express();
  app.post('/webhooks/twilio/sms', express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }), (_req, res) => {
    res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function startService(roles: Role[]): Promise<Started> {
  return startFamilyLine(loadConfig(process.env), { roles });
}

async function main(): Promise<void> {
  const [kind, rolesArg] = process.argv.slice(2);
  const started =
    kind === 'baseline' ? await startBaseline()
    : kind === 'bare' ? await startBare(rolesArg as BareRole)
    : await startService((rolesArg ?? 'web,worker').split(',') as Role[]);
  process.on('message', (msg: { type?: string }) => {
    if (msg?.type !== 'stop') return;
    started
      .close()
      .catch((err) => console.error('bench child: close failed', err))
      .finally(() => {
        process.send!({ type: 'stopped', maxRssKb: process.resourceUsage().maxRSS }, () => process.exit(0));
      });
  });
  // The parent going away must never leave a server behind.
  process.on('disconnect', () => process.exit(1));
  process.send!({ type: 'ready', url: started.url, pid: process.pid });
}

main().catch((err) => {
  console.error('bench child failed to start:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
