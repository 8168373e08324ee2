// Loads a bundle of the build, dist/<name>.cjs (a CommonJS module), compiled from the V8 code cache the build
// made beside it, dist/<name>.cjs.cache (scripts/build.mjs): V8 then neither parses nor compiles what the
// cache holds, most of what a command's start costs. V8 rejects a cache made by another Node or with other V8
// flags, quietly: the script is then compiled from its source, as require() would.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');

/** The last line of a bundle names its build; its cache starts with the same line. */
function buildLine(text) {
  return text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
}

/** dist/<name>.cjs's exports, and the compiled script (the build writes its cache from it). */
function load(name, { cache = true } = {}) {
  const file = join(__dirname, '..', 'dist', `${name}.cjs`);
  // The build writes ASCII only: read as Latin-1, the text needs no decoding.
  const source = readFileSync(file, 'latin1');
  let cachedData;
  if (cache) {
    try {
      const stored = readFileSync(`${file}.cache`);
      const line = buildLine(source);
      if (stored.subarray(0, line.length).toString('latin1') === line)
        cachedData = stored.subarray(line.length);
    } catch {
      // no cache: compiled from the source
    }
  }
  const { Script } = require('node:vm');
  // The file is a function expression, the function CommonJS would wrap the module in (scripts/build.mjs):
  // compiled as it was read, with no copy of the text.
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, script, buildLine: buildLine(source) };
}

module.exports = { load };
