/**
 * `npm run bench -- <name>`: one benchmark, one JSON line on stdout; progress goes to stderr.
 * Each benchmark loads only its own module so one's dependencies never slow the other's start.
 */
const BENCHES: Record<string, () => Promise<{ main(args: string[]): Promise<void> }>> = {
  ingest: () => import('./ingest'),
  send: () => import('./send'),
  import: () => import('./import'),
  updates: () => import('./updates'),
  nudges: () => import('./nudges'),
  broadcast: () => import('./broadcast'),
};

async function run(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]
  ingest   signed inbound webhooks/s vs a bare Express form handler (autocannon)
  send     messages/s from the staff API to "delivered" in the simulator (pacing off), beside a
           baseline: the same hops as bare processes (express, BullMQ, twilio SDK; no FamilyLine work)
           --single  run web, worker and simulator in one process instead of three
every benchmark: --db sqlite|postgres (default sqlite; PostgreSQL at BENCH_POSTGRES_URL,
           default postgres://postgres@127.0.0.1:5432/postgres, in a database of its own)
  import   a generated district (20,000 students, 30,000 guardians) imported, then re-imported;
           rows/s and peak RSS, beside a half-size district to show how memory grows
           --students N  district size; --no-half  skip the half-size run
  updates  a teacher's updates for a class of 35 and a school of 2,000 students: preview ms per
           student, send messages/s to "delivered" (web, worker and sim as three processes)
           --students N  school size; --class-size N  students per class
  nudges   one weekend-nudge tick composing and enqueueing the nudges of 50,000 families:
           families/s and RSS during the tick (memory flat); --families N  school size
  broadcast  a bulk reminder to 50,000 families unpaced (messages/s, RSS growth), then one paced at
           100 segments/s (fraction of the cap, busiest second) with a teacher's reply every 2 s
           (latency); --families N  unpaced size; --paced-seconds N  paced window (default 60)`);
    process.exit(2);
  }
  await (await load()).main(args);
}

run().then(
  // Exit explicitly: a stray keep-alive socket or timer must never make a benchmark hang.
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
