#!/usr/bin/env node
// `npm run bench` (after `npm run build`): compiles the bench (TypeScript, bench/tsconfig.json)
// into dist/bench and runs it. Knobs are BENCH_* environment variables (bench/README.md).
'use strict';
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json')],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
require(join(root, 'dist/bench/bench/main.js'))
  .main()
  .then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
