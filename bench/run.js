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
// The compiled bench keeps the `@app/<lib>` path aliases of tsconfig.json (tsc does not rewrite
// them); resolve them to the libraries compiled next to it.
const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@app\/([a-z-]+)$/.exec(request);
  const target = alias ? join(root, 'dist/bench/libs', alias[1], 'src/index.js') : request;
  return resolveFilename.call(this, target, ...rest);
};
require(join(root, 'dist/bench/bench/main.js'))
  .main()
  .then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
