import type { Db } from '../../db/client';
import { automatedCounts } from '../../db/repositories/nudges';

/**
 * The weekly cap on automated texts per phone number, across every family and school it belongs
 * to: three nudges a week helped, five a week raised opt-outs (York, Loeb & Doss 2019).
 */
export const WEEKLY_BUDGET = { nudges: 3, automated: 5 } as const;

/** Counts per number, read once from the database and then kept up to date as texts are planned. */
export class NudgeBudget {
  private readonly counts = new Map<string, { nudges: number; automated: number }>();
  constructor(
    private readonly db: Db,
    /** Start of the week the budget counts (UTC ISO). */
    private readonly sinceIso: string,
  ) {}

  async load(numbers: string[]): Promise<void> {
    const missing = [...new Set(numbers)].filter((n) => !this.counts.has(n));
    // Chunks stay far under either dialect's bound-parameter limit.
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      const found = await automatedCounts(this.db, part, this.sinceIso);
      for (const n of part) this.counts.set(n, found.get(n) ?? { nudges: 0, automated: 0 });
    }
  }

  /** True when one more nudge to `number` stays within the week's budget (load it first). */
  allows(number: string): boolean {
    const c = this.counts.get(number) ?? { nudges: 0, automated: 0 };
    return c.nudges < WEEKLY_BUDGET.nudges && c.automated < WEEKLY_BUDGET.automated;
  }

  spend(number: string): void {
    const c = this.counts.get(number) ?? { nudges: 0, automated: 0 };
    this.counts.set(number, { nudges: c.nudges + 1, automated: c.automated + 1 });
  }

  /** A reminder counts toward the automated total only (src/reminders); urgent ones are not counted at all. */
  allowsAutomated(number: string): boolean {
    return (this.counts.get(number)?.automated ?? 0) < WEEKLY_BUDGET.automated;
  }

  spendAutomated(number: string): void {
    const c = this.counts.get(number) ?? { nudges: 0, automated: 0 };
    this.counts.set(number, { nudges: c.nudges, automated: c.automated + 1 });
  }
}
