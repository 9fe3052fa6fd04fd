#!/usr/bin/env node
// The one `ferry` command. Sources are TypeScript, run through tsx's loader so that
// there is no separate build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv);
