// The SDK as a package: the plain-script build is the ES module's, the declarations name every
// method the daemon has (system.info) and docs/api.md documents, every error code and every
// export; `npm pack` makes a package that installs offline into a scratch project, imports
// in node with the same exports, and type-checks a typed portal module with tsc --strict.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

import { Fixture, repoRoot } from '../integration/lib/daemon.mjs';

const sdkDir = path.join(repoRoot, 'webroot', 'sdk');
const testsDir = path.join(repoRoot, 'tests');
const read = (...p) => fs.readFileSync(path.join(...p), 'utf8');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120000, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

// The quoted keys of one interface or the members of one union type in the declarations.
function interfaceKeys(dts, name) {
  const start = dts.indexOf(`export interface ${name} {`);
  assert.ok(start >= 0, `interface ${name} missing`);
  const body = dts.slice(start, dts.indexOf('\n}\n', start));
  return [...body.matchAll(/^ {2}'?([\w.]+)'?: /gm)].map((m) => m[1]);
}

function unionMembers(dts, name) {
  const start = dts.indexOf(`export type ${name} =`);
  assert.ok(start >= 0, `type ${name} missing`);
  const body = dts.slice(start, dts.indexOf(';', start));
  return [...body.matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]);
}

function documentedMethods() {
  return [...read(repoRoot, 'docs', 'api.md').matchAll(/^###\s+`([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)`\s*$/gm)]
    .map((m) => m[1]);
}

// ">=0.1.0 <0.3.0" style ranges: every comparator must hold.
function satisfies(version, range) {
  const parse = (v) => v.split('.').map(Number);
  const cmp = (a, b) => {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
  };
  return range.split(/\s+/).every((part) => {
    const m = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(part);
    assert.ok(m, `range part ${part}`);
    const c = cmp(parse(version), parse(m[2]));
    return { '>=': c >= 0, '<=': c <= 0, '>': c > 0, '<': c < 0, '=': c === 0, undefined: c === 0 }[m[1]];
  });
}

describe('SDK package', () => {
  let fx;
  let daemon;
  let info;
  let sdk;
  let dts;
  let pkg;
  let scratch;

  before(async () => {
    fx = Fixture.create();
    daemon = await fx.start();
    info = await daemon.call('system.info');
    sdk = await import(pathToFileURL(path.join(sdkDir, 'sealbridge.js')));
    dts = read(sdkDir, 'sealbridge.d.ts');
    pkg = JSON.parse(read(sdkDir, 'package.json'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sbsdk-'));
  });

  after(async () => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    await fx?.cleanup();
  });

  test('sealbridge.global.js is built from sealbridge.js and up to date', () => {
    run(process.execPath, [path.join(sdkDir, 'build.mjs'), '--check']);
    const context = { document: undefined };
    vm.createContext(context);
    vm.runInContext(read(sdkDir, 'sealbridge.global.js'), context);
    const { SealBridge } = context;
    assert.equal(typeof SealBridge, 'function');
    const moduleNames = Object.keys(sdk).filter((n) => n !== 'SealBridge').sort();
    assert.deepEqual(Object.keys(SealBridge).sort(), moduleNames);
    assert.equal(SealBridge.SDK_VERSION, sdk.SDK_VERSION);
    assert.equal(SealBridge.formatBeijingTime('2026-11-22T16:30:00Z'), '2026-11-23 00:30');
    assert.equal(new SealBridge().port, 16116);
  });

  test('seal and time helpers', () => {
    assert.equal(sdk.sealTypeName(1), '单位印章');
    assert.equal(sdk.sealTypeName(2), '个人印章');
    assert.equal(sdk.sealTypeName(2, 'en'), 'personal seal');
    assert.equal(sdk.sealTypeName(3), '其他印章（类型 3）');
    assert.deepEqual(Object.keys(sdk.SEAL_TYPES), ['1', '2']);
    for (const [type, mime] of [['PNG', 'image/png'], ['png', 'image/png'], ['Jpg', 'image/jpeg'], ['GIF', 'image/gif'],
      ['BMP', 'image/bmp'], ['SVG', 'image/svg+xml'], ['OFD', 'application/ofd'], ['TIFF', null]]) {
      assert.equal(sdk.pictureMimeType({ type }), mime, type);
    }
    assert.equal(sdk.sealPictureUrl({ type: 'png', data: 'iVBO' }), 'data:image/png;base64,iVBO');
    assert.equal(sdk.sealPictureUrl({ type: 'OFD', data: 'UEsD' }), null);
    assert.equal(sdk.sealPictureUrl({ type: 'PNG', data: '' }), null);
    assert.deepEqual(sdk.sealPictureSize({ width_mm: 40, height_mm: 30 }), { width: '40mm', height: '30mm' });
    assert.deepEqual(sdk.sealPictureSize({ width_mm: 0 }), { width: 'auto', height: 'auto' });
    // UTC+8 all year, across a day, a month and a year boundary.
    assert.equal(sdk.formatBeijingTime('2026-12-31T16:00:00Z'), '2027-01-01 00:00');
    assert.equal(sdk.formatBeijingTime('2026-07-01T03:04:05Z', { seconds: true }), '2026-07-01 11:04:05');
    assert.equal(sdk.formatBeijingTime('2026-02-28T20:00:00Z', { dateOnly: true }), '2026-03-01');
    assert.equal(sdk.formatBeijingTime(new Date('2026-01-01T00:00:00Z')), '2026-01-01 08:00');
    assert.equal(sdk.formatBeijingTime('not a time'), '');
    assert.equal(sdk.formatBeijingTime(null), '');
    // Agrees with the platform's own time-zone data where it has it.
    const intl = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });
    assert.equal(sdk.formatBeijingTime('2026-11-22T16:30:00Z'), intl.format(new Date('2026-11-22T16:30:00Z')));
  });

  test('package.json: semver, the SDK_VERSION of the code, and a daemon range this daemon is in', () => {
    assert.equal(pkg.name, 'sealbridge');
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.equal(pkg.version, sdk.SDK_VERSION);
    assert.ok(pkg.sealbridge?.daemon, 'package.json "sealbridge": {"daemon": range}');
    assert.ok(satisfies(info.version, pkg.sealbridge.daemon), `daemon ${info.version} vs ${pkg.sealbridge.daemon}`);
    assert.ok(!satisfies('9.0.0', pkg.sealbridge.daemon));
    for (const file of pkg.files) assert.ok(fs.existsSync(path.join(sdkDir, file)), file);
  });

  test('the declarations have every method of the daemon and of docs/api.md', () => {
    const declared = interfaceKeys(dts, 'RpcMethods').sort();
    assert.deepEqual(declared, [...info.methods].sort(), 'RpcMethods vs system.info methods');
    assert.deepEqual(declared, documentedMethods().sort(), 'RpcMethods vs docs/api.md');
  });

  test('the declarations have every error code of the daemon and of the SDK', () => {
    const daemonCodes = [...read(repoRoot, 'daemon', 'core', 'error.cpp').matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1]);
    assert.deepEqual(unionMembers(dts, 'DaemonErrorCode').sort(), [...new Set(daemonCodes)].sort());
    // The codes the SDK has words for are the codes it raises.
    const source = read(sdkDir, 'sealbridge.js');
    const clientBlock = source.slice(source.indexOf('const CLIENT_MESSAGES = {'), source.indexOf('};', source.indexOf('const CLIENT_MESSAGES = {')));
    const clientCodes = [...clientBlock.matchAll(/^ {2}([A-Z_]+): \[/gm)].map((m) => m[1]).filter((c) => c !== 'OK');
    const raised = [...source.matchAll(/(?:client|networkError)\('([A-Z_]+)'/g)].map((m) => m[1]);
    for (const code of raised) assert.ok(clientCodes.includes(code), `${code} raised without words`);
    assert.deepEqual(unionMembers(dts, 'ClientErrorCode').sort(), clientCodes.sort());
  });

  test('the declarations have every export and every event', async () => {
    const declared = [...dts.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]).sort();
    assert.deepEqual(declared, Object.keys(sdk).sort());
    const events = interfaceKeys(dts, 'SealBridgeEvents');
    const ws = await daemon.ws();
    try {
      const { events: pushed } = await ws.call('events.subscribe');
      for (const e of [...pushed, 'connection', 'sign.progress']) assert.ok(events.includes(e), `event ${e}`);
    } finally {
      await ws.close();
    }
  });

  test('npm pack installs offline into a scratch project, imports in node, type-checks with tsc --strict', async (t) => {
    const packed = JSON.parse(run('npm', ['pack', sdkDir, '--pack-destination', scratch, '--json', '--offline'], {
      cwd: scratch,
    }));
    const files = packed[0].files.map((f) => f.path).sort();
    assert.deepEqual(files, ['README.md', 'package.json', 'sealbridge.d.ts', 'sealbridge.global.js', 'sealbridge.js']);
    const tarball = path.join(scratch, packed[0].filename);
    assert.equal(packed[0].filename, `sealbridge-${pkg.version}.tgz`);
    t.diagnostic(`${packed[0].filename}: ${packed[0].size} bytes packed, ${packed[0].unpackedSize} unpacked`);

    const project = path.join(scratch, 'portal');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'portal', private: true, type: 'module' }));
    run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], { cwd: project });

    const probe = [
      "const m = await import('sealbridge');",
      "await import('sealbridge/global');",
      'console.log(JSON.stringify({ names: Object.keys(m).sort(), global: typeof globalThis.SealBridge,',
      '  same: globalThis.SealBridge.SDK_VERSION === m.SDK_VERSION, state: new m.SealBridge().state }));',
    ].join('\n');
    fs.writeFileSync(path.join(project, 'probe.mjs'), probe);
    const out = JSON.parse(run(process.execPath, ['probe.mjs'], { cwd: project }));
    assert.deepEqual(out, { names: Object.keys(sdk).sort(), global: 'function', same: true, state: 'idle' });

    fs.copyFileSync(path.join(repoRoot, 'docs', 'examples', 'typed.ts'), path.join(project, 'typed.ts'));
    const tsc = path.join(testsDir, 'node_modules', 'typescript', 'bin', 'tsc');
    const tscArgs = ['--strict', '--noEmit', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler',
      '--lib', 'es2022,dom', 'typed.ts'];
    run(process.execPath, [tsc, ...tscArgs], { cwd: project });

    // The check can fail: a misuse the declarations must reject.
    fs.writeFileSync(path.join(project, 'bad.ts'),
      "import { SealBridge } from 'sealbridge';\nconst sb = new SealBridge();\nsb.on('connection', (e) => e.stat);\n");
    const bad = spawnSync(process.execPath, [tsc, ...tscArgs.slice(0, -1), 'bad.ts'], { cwd: project, encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /Property 'stat' does not exist/);
  });
});
