import { defineConfig } from 'drizzle-kit';

/** `npm run db:generate` writes the PostgreSQL migrations from the one schema description. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/pg.ts',
  out: './db/migrations/pg',
});
