/**
 * The bounds of one roster import (ROSTER_MAX_* in config.ts): the file's size, how much CSV it
 * unpacks to and at what ratio, rows per file, characters per line, and time. Past any of them
 * the import stops where it is with a RosterLimitError naming the variable, and changes nothing;
 * the same file would stop the same way, so it is never retried.
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { RosterLimits } from '../../config';
import type { Clock } from '../../lib/clock';
import { RosterLimitError } from './model';

/** Below this, a file is too small to hurt whatever it unpacks to: tiny files compress oddly. */
const RATIO_FLOOR_BYTES = 1 << 20;
const MB = 1024 * 1024;

/** 104857600 → "100 MB", as limits are written in messages. */
export const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;
const whole = (n: number) => n.toLocaleString('en-US');
const raise = (name: string) => `If the file is right, a FamilyLine administrator can raise ${name}.`;

/** Keeps one import inside its limits: counts what it unpacks and knows when its time is up. */
export class ImportMeter {
  private expanded = 0;
  private readonly deadline: number;

  constructor(
    readonly limits: RosterLimits,
    private readonly clock: Clock,
  ) {
    this.deadline = clock.now() + limits.maxSeconds * 1000;
  }

  /** Throws once the import has run past ROSTER_MAX_SECONDS; called between pieces of work, so the work stops there. */
  checkTime(): void {
    if (this.clock.now() <= this.deadline) return;
    throw new RosterLimitError(
      `The import ran longer than ${whole(this.limits.maxSeconds)} seconds (ROSTER_MAX_SECONDS) and was stopped; nothing was changed. ` +
        raise('ROSTER_MAX_SECONDS'),
      '',
      'ROSTER_MAX_SECONDS',
    );
  }

  /** The file as handed over: a .zip, or a flat .csv. */
  checkUpload(file: string, bytes: number): void {
    if (bytes <= this.limits.maxUploadBytes) return;
    throw new RosterLimitError(
      `${file} is ${megabytes(bytes)}, more than the ${megabytes(this.limits.maxUploadBytes)} one import takes (ROSTER_MAX_UPLOAD_BYTES). ${raise('ROSTER_MAX_UPLOAD_BYTES')}`,
      file,
      'ROSTER_MAX_UPLOAD_BYTES',
    );
  }

  /** What a zip says its files unpack to, checked before a byte is unpacked (the bytes are counted too: see count). */
  checkDeclared(file: string, packed: number, unpacked: number): void {
    if (this.expanded + unpacked > this.limits.maxExpandedBytes) throw this.tooBig(file);
    if (unpacked > RATIO_FLOOR_BYTES && unpacked > packed * this.limits.maxExpansionRatio) throw this.tooPacked(file);
  }

  /**
   * The bytes of one file, counted as they are read: the whole import's unpacked total, the
   * file's ratio to its packed size (`packed`, for a file in a zip), and the time.
   */
  count(source: Readable, file: string, packed?: number): Readable {
    let read = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        read += chunk.length;
        this.expanded += chunk.length;
        try {
          if (this.expanded > this.limits.maxExpandedBytes) throw this.tooBig(file);
          if (packed !== undefined && read > RATIO_FLOOR_BYTES && read > packed * this.limits.maxExpansionRatio) throw this.tooPacked(file);
          this.checkTime();
        } catch (err) {
          return cb(err as Error);
        }
        cb(null, chunk);
      },
    });
    // Destroying the meter (the reader stops early, or a limit is hit) closes the source too.
    return pipeline(source, meter, () => undefined);
  }

  private tooBig(file: string): RosterLimitError {
    return new RosterLimitError(
      `${file}: the import's CSV comes to more than ${megabytes(this.limits.maxExpandedBytes)} unzipped, the most one import reads (ROSTER_MAX_EXPANDED_BYTES). ` +
        raise('ROSTER_MAX_EXPANDED_BYTES'),
      file,
      'ROSTER_MAX_EXPANDED_BYTES',
    );
  }

  private tooPacked(file: string): RosterLimitError {
    return new RosterLimitError(
      `${file} unpacks to more than ${whole(this.limits.maxExpansionRatio)} times its zipped size (ROSTER_MAX_EXPANSION_RATIO); ` +
        `a roster export zips about 5 to 1, so this is mostly empty space. ${raise('ROSTER_MAX_EXPANSION_RATIO')}`,
      file,
      'ROSTER_MAX_EXPANSION_RATIO',
    );
  }

  /** A CSV file with more lines than ROSTER_MAX_ROWS. */
  tooManyRows(file: string): RosterLimitError {
    return new RosterLimitError(
      `${file} has more than ${whole(this.limits.maxRows)} lines (ROSTER_MAX_ROWS), counting the header and blank lines. ${raise('ROSTER_MAX_ROWS')}`,
      file,
      'ROSTER_MAX_ROWS',
    );
  }

  /** A physical line longer than ROSTER_MAX_LINE_CHARS. */
  lineTooLong(file: string, line: number): RosterLimitError {
    return new RosterLimitError(
      `${file} line ${line} is longer than ${whole(this.limits.maxLineChars)} characters (ROSTER_MAX_LINE_CHARS); ` +
        `no roster row is that long. ${raise('ROSTER_MAX_LINE_CHARS')}`,
      file,
      'ROSTER_MAX_LINE_CHARS',
    );
  }
}
