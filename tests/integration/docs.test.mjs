// docs/api.md and the daemon agree: every documented method exists, every implemented method
// is documented, and so is every stable error code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Fixture, errorCode, repoRoot } from './lib/daemon.mjs';

const apiDoc = path.join(repoRoot, 'docs', 'api.md');

// Methods are documented as level-3 headings: ### `method.name`
function documentedMethods(markdown) {
  const methods = [];
  for (const line of markdown.split('\n')) {
    const m = /^###\s+`([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)`\s*$/.exec(line.trim());
    if (m) methods.push(m[1]);
  }
  return methods;
}

function knownErrorCodes() {
  const source = fs.readFileSync(path.join(repoRoot, 'daemon', 'core', 'error.cpp'), 'utf8');
  return new Set([...source.matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1]));
}

describe('docs/api.md', () => {
  let fx;
  let d;
  let documented;
  let implemented;

  before(async () => {
    assert.ok(fs.existsSync(apiDoc), `${apiDoc} is missing`);
    documented = documentedMethods(fs.readFileSync(apiDoc, 'utf8'));
    fx = Fixture.create();
    d = await fx.start();
    implemented = (await d.call('system.info')).methods;
  });
  after(() => fx?.cleanup());

  test('documents at least the base methods, each once', () => {
    for (const m of ['system.info', 'system.diagnose', 'token.list', 'cert.list', 'events.subscribe']) {
      assert.ok(documented.includes(m), `${m} not documented`);
    }
    assert.equal(new Set(documented).size, documented.length, `duplicate headings: ${documented}`);
  });

  test('every documented method exists in the daemon', async () => {
    assert.ok(Array.isArray(implemented), 'system.info has "methods"');
    const missing = documented.filter((m) => !implemented.includes(m));
    assert.deepEqual(missing, [], 'documented but not in system.info methods');
    // Asking with empty params must reach the method: any answer but METHOD_NOT_FOUND.
    for (const method of documented) {
      const reply = await d.rpc(method, {});
      if (reply?.error) assert.notEqual(errorCode(reply), 'METHOD_NOT_FOUND', method);
    }
  });

  test('every implemented method is documented', () => {
    const undocumented = implemented.filter((m) => !documented.includes(m));
    assert.deepEqual(undocumented, [], 'implemented but not documented in docs/api.md');
  });

  test('a method the daemon does not list is METHOD_NOT_FOUND', async () => {
    const reply = await d.rpc('system.nonexistent', {});
    assert.equal(errorCode(reply), 'METHOD_NOT_FOUND');
  });

  test('every stable error code is documented', () => {
    const markdown = fs.readFileSync(apiDoc, 'utf8');
    const undocumented = [...knownErrorCodes()].filter((code) => !markdown.includes(`\`${code}\``));
    assert.deepEqual(undocumented, [], 'error codes of daemon/core/error.cpp missing from docs/api.md');
  });
});
