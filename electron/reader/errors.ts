// The one exception the reader throws: the input is not an ETL trace at all. Everything else that
// is wrong with a file (corrupt buffers, bad sizes, truncation) becomes a Diagnostic and the rest
// of the file is still read.

export class EtlFormatError extends Error {
  readonly fileOffset?: number;
  constructor(message: string, fileOffset?: number) {
    super(message);
    this.name = 'EtlFormatError';
    if (fileOffset !== undefined) this.fileOffset = fileOffset;
  }
}
