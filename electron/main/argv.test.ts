import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileFromArgv } from './argv.js';

describe('fileFromArgv', () => {
  it('skips the app path in development and resolves against the launch directory', () => {
    const argv = ['/opt/electron', 'dist/electron/main.cjs', '--enable-logging', 'traces/a.etl'];
    expect(fileFromArgv(argv, { isPackaged: false, cwd: '/home/u' })).toBe(
      path.resolve('/home/u', 'traces/a.etl'),
    );
    expect(
      fileFromArgv(['/opt/electron', 'dist/electron/main.cjs'], { isPackaged: false, cwd: '/' }),
    ).toBeUndefined();
    expect(fileFromArgv(['/opt/electron', '.'], { isPackaged: false, cwd: '/' })).toBeUndefined();
  });

  it('takes the first non-switch argument when packaged (Windows second-instance argv)', () => {
    const argv = [
      'C:\\etlscope\\etlscope.exe',
      '--allow-file-access-from-files',
      '--original-process-start-time=1',
      'D:\\t\\b.etl',
    ];
    expect(fileFromArgv(argv, { isPackaged: true, cwd: 'C:\\Users\\u', pathApi: path.win32 })).toBe(
      'D:\\t\\b.etl',
    );
    expect(
      fileFromArgv(['/Applications/etlscope', '-psn_0_1234'], { isPackaged: true, cwd: '/' }),
    ).toBeUndefined();
  });

  it('treats everything after -- as a file, even when it starts with a dash', () => {
    expect(fileFromArgv(['etlscope', '--', '-odd.etl'], { isPackaged: true, cwd: '/t' })).toBe(
      path.resolve('/t', '-odd.etl'),
    );
  });
});
