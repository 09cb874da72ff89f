import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { seedDemo } from '../../db/seed-demo';
import { isoNow, systemClock } from '../lib/clock';
import { addStaffWithToken } from '../staff/accounts';
import { setStaffPassword } from '../staff/passwords';
import type { CommandContext } from './main';
import { nudgeSlot, type NudgeSlot } from '../nudges/slots';

/** The next time `slot` comes round in `zone`, as an ISO date-time with the zone's offset. */
function nextSlot(slot: NudgeSlot, zone: string): string {
  const [hour, minute] = slot.time.split(':').map(Number);
  const now = DateTime.now().setZone(zone);
  let at = now.set({ weekday: slot.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7, hour, minute, second: 0, millisecond: 0 });
  if (at < now) at = at.plus({ weeks: 1 });
  return at.toISO({ suppressMilliseconds: true })!;
}

/** A password nobody has to invent for a demo: 96 random bits, printed once, stored as argon2id. */
export function demoPassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

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
  out(`Text the school at ${sender} from the simulator phone (${config.publicBaseUrl}/sim) as one of:`);
  for (const p of r.phones) out(`  ${p.number}  ${p.who} (${p.language})`);
  out('');
  out(`Class #${r.class.id} "${r.class.title}", taught by ${r.teacher.name}: ${r.class.students.join(', ')}.`);
  if (r.class.currentUnit) out(`  Learning now: ${r.class.currentUnit}.`);
  out('');
  const slot = nudgeSlot(r.nudgeSlot);
  const next = nextSlot(slot, r.timezone);
  out(`Weekend nudges go out ${slot.label} (${r.timezone}). See what each family will get:`);
  out(`  npm run cli -- nudges preview --at ${next}`);
  out('');
  out(`Staff console: ${config.publicBaseUrl}/console`);
  // Staff without a password (new, or from a demo run before there was a console) get one.
  for (const [who, person] of [['the teacher', r.teacher], ['the school admin (broadcasts, roster import, settings)', r.admin]] as const) {
    if (!person.hasPassword) {
      const password = demoPassword();
      await setStaffPassword(db, person.id, password);
      out(`  Sign in as ${who}: ${person.email}`);
      out(`  Password (shown once):  ${password}`);
    } else {
      out(`  Sign in as ${who}: ${person.email} (password set by an earlier run; for a new one:`);
      out(`  npm run cli -- staff add --email ${person.email} --password <new password>)`);
    }
  }
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
