#!/usr/bin/env node
// Makes sealbridge.global.js, the plain-script build for portals without ES modules (a global
// `SealBridge`), from sealbridge.js, the one source. No bundler: the module has no imports,
// so the build only wraps it, drops the `export` keywords and replaces import.meta.url.
//
//   node webroot/sdk/build.mjs            write sealbridge.global.js
//   node webroot/sdk/build.mjs --check    exit 1 when the committed file is out of date
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceFile = path.join(here, 'sealbridge.js');
const outputFile = path.join(here, 'sealbridge.global.js');

const MODULE_URL_LINE = 'const MODULE_URL = import.meta.url;';
// A classic script knows where it came from only while it runs for the first time.
const SCRIPT_URL_LINE =
  "const MODULE_URL = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';";

export function buildGlobal(source) {
  if (/^\s*import\s/m.test(source)) throw new Error('sealbridge.js must not import anything');
  if (source.split(MODULE_URL_LINE).length !== 2) {
    throw new Error(`sealbridge.js must contain "${MODULE_URL_LINE}" exactly once`);
  }
  const names = [];
  const body = source
    .replace(MODULE_URL_LINE, SCRIPT_URL_LINE)
    .replace(/^export (const|function|class|async function) ([A-Za-z_$][\w$]*)/gm, (_, kind, name) => {
      names.push(name);
      return `${kind} ${name}`;
    });
  if (/^export\s/m.test(body)) throw new Error('an export form build.mjs does not know is left');
  if (/import\.meta/.test(body)) throw new Error('import.meta is left in the plain-script build');
  if (!names.includes('SealBridge')) throw new Error('sealbridge.js exports no SealBridge');
  const extras = names.filter((n) => n !== 'SealBridge');
  return [
    '// GENERATED from sealbridge.js by build.mjs: do not edit; run `node webroot/sdk/build.mjs`.',
    '// Plain-script build: <script src=".../sealbridge.global.js"></script> defines the global',
    `// SealBridge (the class) carrying the other exports as properties: ${extras.join(', ')}.`,
    '(function (root) {',
    "'use strict';",
    body.trimEnd(),
    '',
    ...extras.map((n) => `Object.defineProperty(SealBridge, ${JSON.stringify(n)}, { value: ${n}, enumerable: true });`),
    'root.SealBridge = SealBridge;',
    "})(typeof globalThis !== 'undefined' ? globalThis : this);",
    '',
  ].join('\n');
}

function main() {
  const built = buildGlobal(fs.readFileSync(sourceFile, 'utf8'));
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(outputFile) ? fs.readFileSync(outputFile, 'utf8') : '';
    if (current !== built) {
      console.error('sealbridge.global.js is out of date: run `node webroot/sdk/build.mjs`');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(outputFile, built);
  console.log(`wrote ${path.relative(process.cwd(), outputFile)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
