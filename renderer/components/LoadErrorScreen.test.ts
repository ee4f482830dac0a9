import { describe, expect, it } from 'vitest';
import { withDisplayName } from './LoadErrorScreen.js';

describe('withDisplayName', () => {
  it('names the dropped file instead of the server’s temporary upload path', () => {
    const message =
      'upload-279e470c-1c42-48ae-89c6-a4f9f88d4443.etl is not a readable ETL trace: bad header ' +
      '(/tmp/etlscope-serve-eH2jnq/upload-279e470c-1c42-48ae-89c6-a4f9f88d4443.etl, file offset 0x48)';
    expect(withDisplayName(message, 'broken.etl')).toBe(
      'broken.etl is not a readable ETL trace: bad header (file offset 0x48)',
    );
  });

  it('leaves other messages alone', () => {
    expect(withDisplayName('Offset is out of bounds', 'x.etl')).toBe('Offset is out of bounds');
  });
});
