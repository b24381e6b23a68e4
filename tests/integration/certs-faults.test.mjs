// cert.write frozen at each step (before and after creating the new certificate object, before
// and after removing the old one) and killed there with kill -9: after a restart the key holds
// exactly one certificate for the key pair, the new one when it reached the key and the old
// one otherwise, and no journal record is left pending. The daemon mends it by itself when it
// sees the key again, without a PIN ("下载证书到USBKEY… 切记不要拔插" must not cost a certificate).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { derBase64, issueCertificate } from './lib/certs.mjs';
import { Fixture, waitFor } from './lib/daemon.mjs';
import { ModuleControl, STEPS } from './lib/seals.mjs';

const SUBJECT = { C: 'CN', O: '示例科技有限公司', CN: '张三' };

describe('kill -9 in the middle of a certificate write', () => {
  let fx;
  let d;
  let token;
  let pin;
  let control;
  let work;

  before(async () => {
    fx = Fixture.create();
    d = await fx.start();
    const { tokens } = await d.call('token.list');
    token = tokens.find((t) => t.serial === fx.demo.DEMO_SERIAL).id;
    pin = fx.demo.DEMO_USER_PIN;
    control = new ModuleControl(fx);
    work = path.join(fx.dir, 'certs-faults');
    fs.mkdirSync(work);
  });
  after(() => fx?.cleanup());

  const issue = (csrPem) => derBase64(issueCertificate(fx, csrPem, work));

  const pending = () => {
    try {
      return fs.readdirSync(path.join(d.stateDir, 'cert-journal')).filter((f) => f.endsWith('.journal'));
    } catch {
      return [];
    }
  };

  const certificatesOf = async (keyId) =>
    (await d.call('cert.list', { token })).certificates.filter((c) => c.id === keyId).map((c) => c.der);

  for (const step of STEPS) {
    test(`checklist 28: frozen ${step.when} ${step.fn}: one certificate for the key pair after restart`, async () => {
      const { csr, key_id: keyId } = await d.call('cert.csr', { token, key_type: 'EC', subject: SUBJECT, pin });
      const first = issue(csr);
      await d.call('cert.write', { token, cert: first, pin });
      const second = issue(csr);

      control.clearFaults();
      control.write('pause-at', `${step.fn} 1 ${step.when}`);
      const write = d.rpc('cert.write', { token, cert: second, pin }).catch((e) => e);
      const paused = `paused-${step.fn}`;
      await waitFor(() => control.exists(paused), { timeoutMs: 15000, what: paused });
      assert.equal(Number(control.read(paused)), d.child.pid, 'the paused process is not the daemon');
      process.kill(d.child.pid, 'SIGKILL');
      await write;
      control.clearFaults();

      await d.respawn();
      await waitFor(() => pending().length === 0, { timeoutMs: 15000, what: 'the certificate journal to be mended' });
      assert.deepEqual(await certificatesOf(keyId), [step.created ? second : first]);
    });
  }
});
