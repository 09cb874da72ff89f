import { seedDemo } from '../../db/seed-demo';
import { isoNow, systemClock } from '../lib/clock';
import { addStaffWithToken } from '../staff/accounts';
import type { CommandContext } from './main';

export async function demo({ db, config, out }: CommandContext): Promise<void> {
  const r = await seedDemo(db, isoNow(systemClock));
  const sender = config.twilio.from ?? `messaging service ${config.twilio.messagingServiceSid}`;
  out(
    r.schoolCreated
      ? `Created school #${r.schoolId} ${r.schoolName} (America/New_York), sending from ${sender}.`
      : `School #${r.schoolId} ${r.schoolName} already exists, sending from ${sender}.`,
  );
  out(`Families added: ${r.familiesCreated} (the demo has ${r.phones.length} parent numbers).`);
  out('');
  out(`Text the school at ${sender} from the simulator phone (/sim) as one of:`);
  for (const p of r.phones) out(`  ${p.number}  ${p.who} (${p.language})`);
  out('');
  if (r.admin.created) {
    // Only a new admin gets a token here; reruns add nothing, `staff add` issues another.
    const { token } = await addStaffWithToken(db, { email: r.admin.email }, isoNow(systemClock));
    out(`School admin ${r.admin.email}: API token (shown once):`);
    out(token);
  } else {
    out(`School admin ${r.admin.email} already exists; for a new token run:`);
    out(`  npm run cli -- staff add --email ${r.admin.email}`);
  }
}
