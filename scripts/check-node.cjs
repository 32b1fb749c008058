// Preflight of `npm start` / `npm test`: says in one line which Node to install when this one is too
// old, instead of a failure deep inside (node:sqlite, a .ts worker, "No test files found").
// The minimum lives in one place, package.json "engines". Deliberately plain CommonJS without modern
// syntax, so that any Node old enough to fail the check can still parse and run it.
'use strict';
const path = require('node:path');
const engines = require(path.join(__dirname, '..', 'package.json')).engines || {};
const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(engines.node || '').trim());
if (!wanted) {
  console.error('scripts/check-node.cjs: package.json engines.node must be ">=MAJOR[.MINOR[.PATCH]]"');
  process.exit(1);
}
const minimum = String(engines.node).replace(/^>=\s*/, '');
const need = [Number(wanted[1]), Number(wanted[2] || 0), Number(wanted[3] || 0)];
const have = process.versions.node.split('.').map(Number);
function olderThanNeeded() {
  for (let i = 0; i < 3; i++) {
    if (have[i] !== need[i]) return have[i] < need[i];
  }
  return false;
}
if (olderThanNeeded()) {
  console.error(
    'order-events needs Node >= ' +
      minimum +
      ' (this is Node ' +
      process.versions.node +
      ' at ' +
      process.execPath +
      '): install Node 24 (.nvmrc; e.g. `nvm install 24 && nvm use 24`), then run `npm ci`.',
  );
  process.exit(1);
}
