/**
 * Phones the simulator's phone page offers besides those it has seen, so a new user can pick a
 * demo parent and text at once. Read-only and supplied by the runtime wiring: the simulator has
 * no database of its own, and alone (`--role sim`) it simply has no directory.
 */
export interface SimDirectoryPhone {
  phone: string;
  /** Who uses it, e.g. "Rosa García (Familia García, es)". */
  label: string;
  /** The number this parent's school texts from, the one to text back. */
  serviceNumber: string | null;
}

export interface SimDirectory {
  phones(): Promise<SimDirectoryPhone[]>;
}
