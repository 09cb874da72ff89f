import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RosterStage, removeStaleStages } from '../../db/repositories/roster-stage';

/** The stage is scratch on disk: gone when the import ends, and cleaned up after one that died. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stage-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a stage left by a process that died hours ago is removed; a running one and other folders are not', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const make = (name: string, ageHours: number) => {
    const path = join(dir, name);
    mkdirSync(path);
    writeFileSync(join(path, 'stage.sqlite'), 'x');
    const t = new Date(now - ageHours * 3600_000);
    utimesSync(path, t, t);
    return path;
  };
  const dead = make('familyline-roster-abc123', 7);
  const running = make('familyline-roster-def456', 0.5);
  const other = make('someone-elses-folder', 48);
  expect(removeStaleStages(now, dir)).toBe(1);
  expect(existsSync(dead)).toBe(false);
  expect(existsSync(running)).toBe(true);
  expect(existsSync(other)).toBe(true);
});

test('disposing of a stage deletes its file, sealed or not', () => {
  for (const seal of [false, true]) {
    const stage = new RosterStage();
    stage.addSchool({ externalId: 'sch-1', name: 'Cedar Grove Elementary', src: { file: 'orgs.csv', line: 2 } });
    if (seal) stage.seal();
    expect(existsSync(stage.path)).toBe(true);
    stage.dispose();
    expect(existsSync(stage.path)).toBe(false);
  }
});
