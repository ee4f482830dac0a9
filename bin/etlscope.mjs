#!/usr/bin/env node
// `etlscope` command: runs the TypeScript CLI (electron/cli/main.ts) through tsx, so a fresh
// clone works right after `npm install` with no separate compile step, and the parser workers
// it starts load the same sources.
import { register } from 'tsx/esm/api';

register();
await import('../electron/cli/main.ts');
