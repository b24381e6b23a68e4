// The demo CA of make-demo-key.sh issuing certificates for requests made by cert.csr, as the
// real CA does after the user pays for renewal.
import fs from 'node:fs';
import path from 'node:path';

import { openssl } from './daemon.mjs';

let issued = 0;

// Signs `csrPem` with the demo CA; writes the request and the certificate into `workDir` and
// returns the certificate's PEM path.
export function issueCertificate(fx, csrPem, workDir) {
  issued += 1;
  const caDir = path.dirname(fx.demo.DEMO_CA);
  const csr = path.join(workDir, `issued-${issued}-req.pem`);
  fs.writeFileSync(csr, csrPem);
  const out = path.join(workDir, `issued-${issued}-cert.pem`);
  openssl(['x509', '-req', '-in', csr, '-CA', fx.demo.DEMO_CA, '-CAkey', path.join(caDir, 'ca.key'),
    '-set_serial', `0x${Date.now().toString(16)}${issued}`, '-days', '365',
    '-extfile', path.join(caDir, 'ca.cnf'), '-extensions', 'v3_sign', '-out', out]);
  return out;
}

// The certificate at `pemPath` as base64 DER, the form cert.write and cert.list use.
export function derBase64(pemPath) {
  const der = `${pemPath}.der`;
  openssl(['x509', '-in', pemPath, '-outform', 'DER', '-out', der]);
  return fs.readFileSync(der).toString('base64');
}
