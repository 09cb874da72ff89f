import type { Db } from '../../db/client';
import { guardianPhonesByPrefix } from '../../db/repositories/families';
import { poolNumberFor } from '../channels/sim/context';
import type { SimDirectory, SimDirectoryPhone } from '../channels/sim/directory';

/**
 * The simulator phone's list of parents: guardians' phones from the roster (the demo's families,
 * a test roster's), so a new user picks one and texts the school at once.
 *
 * Only invented numbers are listed: +1 555 is no real area code and +1 500 555 are Twilio's test
 * numbers. The page has no sign-in, so a real parent's number or name never appears on it, even
 * on a database that holds a real roster.
 */
export const INVENTED_NUMBER_PREFIXES = ['+1555', '+1500555'];
const MAX_PHONES = 24;

/** `defaultSender`: the deployment's sender (TWILIO_FROM), for schools without a number of their own. */
export function guardianPhoneDirectory(db: Db, defaultSender: string | null): SimDirectory {
  return {
    async phones() {
      // Guardians sharing a household number are one phone: fetch more rows than phones shown.
      const rows = await guardianPhonesByPrefix(db, INVENTED_NUMBER_PREFIXES, MAX_PHONES * 3);
      const byNumber = new Map<string, { names: string[]; row: (typeof rows)[number] }>();
      for (const row of rows) {
        const seen = byNumber.get(row.number);
        const name = `${row.firstName} ${row.lastName}`;
        if (seen) seen.names.push(name);
        else if (byNumber.size < MAX_PHONES) byNumber.set(row.number, { names: [name], row });
      }
      return [...byNumber.values()].map(({ names, row }): SimDirectoryPhone => ({
        phone: row.number,
        label: `${names.join(' & ')} (${row.familyName}, ${row.language})`,
        serviceNumber: row.schoolFrom ?? (row.schoolMessagingServiceSid ? poolNumberFor(row.schoolMessagingServiceSid) : defaultSender),
      }));
    },
  };
}
