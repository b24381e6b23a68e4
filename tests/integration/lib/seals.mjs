// Helpers for the seal tests: the shared ofdrw samples, the demo seal maker (sb-sealmaker) to
// issue renewed, expired, foreign and untrusted seals, and views of what is on the key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { Fixture, repoRoot } from './daemon.mjs';

export const samplesDir = path.resolve(repoRoot, '..', 'shared', 'samples');
export const SAMPLE_TIME = '2021-06-01T00:00:00Z';

export function sample(name) {
  return fs.readFileSync(path.join(samplesDir, name));
}

export function sealmakerPath() {
  const tool = process.env.SEALBRIDGE_SEALMAKER;
  if (!tool) throw new Error('SEALBRIDGE_SEALMAKER is not set: run through ctest (path to sb-sealmaker)');
  return tool;
}

export function sealmaker(args) {
  const r = spawnSync(sealmakerPath(), args, { encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) {
    throw new Error(`sb-sealmaker ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

export const days = (n) => new Date(Date.now() + n * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// Issues a seal with the fixture's demo maker, bound to its signing certificate unless told
// otherwise. Returns the DER bytes.
let counter = 0;
export function issueSeal(fx, {
  esId, name = '示例科技有限公司', type = 1, validFrom = days(-1), validTo = days(400), created,
  maker = fx.demo.DEMO_SEAL_MAKER_DIR, userCert = path.join(fx.certsDir, 'sign.der'),
} = {}) {
  const out = path.join(fx.dir, `issued-${process.pid}-${counter++}.esl`);
  const args = ['issue', '--maker', maker, '--user-cert', userCert, '--es-id', esId, '--name', name,
    '--type', String(type), '--valid-from', validFrom, '--valid-to', validTo, '--out', out];
  if (created) args.push('--created', created);
  sealmaker(args);
  return fs.readFileSync(out);
}

// A second, independent maker nobody trusts.
export function makeMaker(fx, name) {
  const dir = path.join(fx.dir, name);
  sealmaker(['init-maker', dir]);
  return dir;
}

// Changes one character of the esID, which lies inside SES_SealInfo: the DER still parses,
// the maker's signature no longer matches.
export function tamper(der, esId) {
  const copy = Buffer.from(der);
  const at = copy.indexOf(Buffer.from(esId, 'ascii'));
  assert.ok(at >= 0, 'esID not found in the seal');
  const last = at + esId.length - 1;
  copy[last] = copy[last] === 0x39 ? 0x38 : copy[last] + 1;
  return copy;
}

export const b64 = (buf) => Buffer.from(buf).toString('base64');

// A fixture whose demo key carries the two demo seals, or a clear failure when the seal maker
// was not there to put them on.
export function sealFixture(options = {}) {
  sealmakerPath();
  const fx = Fixture.create(options);
  assert.ok(fx.demo.DEMO_SEAL_MAKER_ROOT, 'make-demo-key.sh made no seals');
  return fx;
}

export async function demoTokenId(daemon, label) {
  const { tokens } = await daemon.call('token.list');
  const token = tokens.find((t) => t.label === label);
  assert.ok(token, `no token labelled ${label}: ${JSON.stringify(tokens)}`);
  return token.id;
}

// The seals on the key as {es_id: [valid_end...]} plus the raw list.
export async function sealsByEsId(daemon, token) {
  const { seals } = await daemon.call('seal.list', { token });
  const byEsId = {};
  for (const s of seals) (byEsId[s.es_id ?? '(unreadable)'] ??= []).push(s);
  return { seals, byEsId };
}

// A comparable summary of the key's seals: ids sorted.
export async function sealIds(daemon, token) {
  const { seals } = await daemon.call('seal.list', { token });
  return seals.map((s) => s.id).sort();
}

// Every seal on the key verifies and there is exactly one per esID.
export function assertOnePerEsId(seals) {
  const seen = new Map();
  for (const s of seals) {
    assert.ok(s.es_id, `unreadable seal on the key: ${JSON.stringify(s).slice(0, 300)}`);
    assert.ok(!seen.has(s.es_id), `two seals with esID ${s.es_id}`);
    seen.set(s.es_id, s);
    assert.equal(s.verification.ok, true, `seal ${s.es_id}: ${JSON.stringify(s.verification)}`);
  }
  return seen;
}

export function pendingJournals(daemon) {
  const dir = path.join(daemon.stateDir, 'journal');
  try {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.journal'));
  } catch {
    return [];
  }
}

// Control files of the test PKCS#11 module (tests/testmodule/README.md), written atomically.
export class ModuleControl {
  constructor(fx) {
    this.dir = fx.demo.SEALBRIDGE_TESTMODULE_CONTROL;
    this.serial = fx.demo.DEMO_SERIAL;
  }

  file(name) { return path.join(this.dir, name); }

  write(name, text) {
    const tmp = `${this.file(name)}.tmp.${process.pid}`;
    fs.writeFileSync(tmp, `${text}\n`);
    fs.renameSync(tmp, this.file(name));
  }

  read(name) {
    try { return fs.readFileSync(this.file(name), 'utf8').trim(); } catch { return null; }
  }

  exists(name) { return fs.existsSync(this.file(name)); }
  remove(name) { fs.rmSync(this.file(name), { force: true }); }

  get pinTriesFile() { return `pin-tries-${this.serial}`; }
  pinTries() { return this.read(this.pinTriesFile); }  // null: all tries left

  // Forgets every rule and pause a killed process left behind.
  clearFaults() {
    for (const name of fs.readdirSync(this.dir)) {
      if (/^(remove-after|pause-at|fail|resume)$/.test(name) || name.startsWith('paused-')) this.remove(name);
    }
  }
}

export const STEPS = [
  { fn: 'C_CreateObject', when: 'before', created: false },
  { fn: 'C_CreateObject', when: 'after', created: true },
  { fn: 'C_DestroyObject', when: 'before', created: true },
  { fn: 'C_DestroyObject', when: 'after', created: true },
];

// One crash trial: start writing `der`, freeze the daemon's worker at `step`, kill -9 it there,
// start it again on the same state dir and wait until it has finished or undone the write.
// Returns the key's seals afterwards (the caller judges them).
export async function crashAt(fx, d, control, token, der, step, { waitFor, pin }) {
  control.clearFaults();
  control.write('pause-at', `${step.fn} 1 ${step.when}`);
  const pending = d.rpc('seal.write', { token, seal: b64(der), pin }).catch((e) => e);
  const pausedFile = `paused-${step.fn}`;
  await waitFor(() => control.exists(pausedFile), { timeoutMs: 15000, what: `${pausedFile}` });
  const pid = Number(control.read(pausedFile));
  assert.equal(pid, d.child.pid, 'the paused process is not the daemon');
  process.kill(pid, 'SIGKILL');
  await pending;
  control.clearFaults();
  await d.respawn();
  await waitFor(() => pendingJournals(d).length === 0, { timeoutMs: 15000, what: 'the journal to be reconciled' });
  const { seals } = await d.call('seal.list', { token });
  return seals;
}
