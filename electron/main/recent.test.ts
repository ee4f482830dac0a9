import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RECENT, addRecent, loadRecent, pathComparer, saveRecent } from './recent.js';

describe('recent files', () => {
  it('puts the newest first, drops duplicates and keeps at most MAX_RECENT', () => {
    const same = pathComparer('win32');
    let list: string[] = [];
    for (let i = 0; i < MAX_RECENT + 3; i++) list = addRecent(list, `C:\\t\\${i}.etl`, same);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toBe(`C:\\t\\${MAX_RECENT + 2}.etl`);
    list = addRecent(list, `c:\\T\\${MAX_RECENT}.ETL`, same);
    expect(list.filter((p) => p.toLowerCase() === `c:\\t\\${MAX_RECENT}.etl`)).toHaveLength(1);
    expect(addRecent(['/a.etl'], '/A.etl', pathComparer('linux'))).toEqual(['/A.etl', '/a.etl']);
  });

  it('round-trips through its file and treats a corrupt file as empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'etlscope-recent-'));
    const file = path.join(dir, 'recent.json');
    expect(await loadRecent(file)).toEqual([]);
    await saveRecent(file, ['/x.etl']);
    expect(await loadRecent(file)).toEqual(['/x.etl']);
    await writeFile(file, '{oops');
    expect(await loadRecent(file)).toEqual([]);
    await writeFile(file, '["/y.etl", 3, null]');
    expect(await loadRecent(file)).toEqual(['/y.etl']);
    await rm(dir, { recursive: true, force: true });
  });
});
