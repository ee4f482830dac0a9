// The one error the PDB reader throws: a file that is not a PDB, or one whose structure is
// inconsistent (truncated, corrupt, hostile). The message always starts with the file's name and
// says what is wrong and where (stream number, byte offset), so it can be shown as is.

export class PdbError extends Error {
  /** File (or display) name the message is about. */
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'PdbError';
    this.file = file;
  }
}
