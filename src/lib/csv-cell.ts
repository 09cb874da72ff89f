/**
 * The one rule for every CSV FamilyLine writes (delivery reports and the like). Cells hold what
 * parents and staff typed; a spreadsheet would run a cell beginning with = + - @ tab or CR as a
 * formula (OWASP "CSV Injection"), so such a cell gets a leading apostrophe, and every cell is
 * quoted so commas, quotes and line breaks stay inside it.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, ready to join with commas. Numbers, booleans and null/undefined (empty) cannot hold a formula. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** One line of a CSV file, CRLF-terminated as RFC 4180 writes it. */
export function csvLine(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
