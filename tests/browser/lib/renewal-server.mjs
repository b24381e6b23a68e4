// A stand-in for a provincial seal renewal portal: serves webroot/renewal-demo (and the SDK) from
// its own loopback origin, and POST /api/renew plays the seal maker's service after payment:
// it issues a renewed seal with the demo seal maker (sb-sealmaker) — same esID, name and type,
// valid one year past the seal on the key (as the page read it) — and returns it base64-encoded.
// Like a real seal maker it keeps orders: a renewal paid for but never written onto the key is
// handed out again for the same seal instead of being issued (and charged) twice, a seal on the
// key that this portal issued is already renewed, and a seal is not renewed past the signing
// certificate it is bound to (电子印章延期前需要先延期数字证书). POST /api/renew-cert plays the CA:
// it signs the certificate request the page had made on the key (cert.csr) with the demo CA.
//
//   node tests/browser/lib/renewal-server.mjs --demo-dir .demo [--port 18080] [--host 127.0.0.2]
//        [--sealmaker PATH] [--daemon-port 16116]
//
// The demo dir is the one scripts/make-demo-key.sh made (its demo.env names the seal maker and
// the seals it issued). The daemon must allow this origin (scripts/demo.sh allows
// http://127.0.0.2:18080).
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = process.env.SEALBRIDGE_SOURCE_DIR ?? path.resolve(here, '../../..');
const webroot = path.join(repoRoot, 'webroot');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const MAX_BODY = 64 * 1024;
const DAY_MS = 86400000;
const YEAR_MS = 365 * DAY_MS;
// A seal this portal renewed is offered again only when it is close to expiring again.
const RENEW_WINDOW_MS = 90 * DAY_MS;
const CERT_DAYS = 730;

export function readDemoEnv(demoDir) {
  const env = {};
  for (const line of fs.readFileSync(path.join(demoDir, 'demo.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

// Just enough DER to read a GB/T 38540 seal's esID, type, name and validity: SES_Seal is
// SEQUENCE { SES_SealInfo SEQUENCE { header, esID, property SEQUENCE { type, name, certListType,
// certList, createDate, validStart, validEnd }, picture, ... }, signInfo ... }.
function derChildren(buf) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const tag = buf[at];
    let len = buf[at + 1];
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i += 1) len = len * 256 + buf[at + 2 + i];
      head += n;
    }
    out.push({ tag, value: buf.subarray(at + head, at + head + len) });
    at += head + len;
  }
  return out;
}

function derTime({ tag, value }) {
  const s = value.toString('latin1');
  const m = tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(s);
  if (!m) throw new Error(`unreadable time ${s}`);
  let year = Number(m[1]);
  if (tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
}

export function readSealRecord(der) {
  const [seal] = derChildren(der);
  const [info] = derChildren(seal.value);
  const parts = derChildren(info.value);
  const esId = parts[1].value.toString('latin1');
  const property = derChildren(parts[2].value);
  const times = property.filter((p) => p.tag === 0x17 || p.tag === 0x18);
  return {
    esId,
    type: Number(property[0].value.readIntBE(0, property[0].value.length)),
    name: property[1].value.toString('utf8'),
    validEnd: derTime(times[times.length - 1]),
  };
}

function iso(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// A date as a clerk in China reads it (the portal serves one province).
function localDay(date) {
  const d = new Date(new Date(date).getTime() + 8 * 3600000);
  return d.toISOString().slice(0, 10);
}

function run(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

function findSealmaker(explicit) {
  const candidates = [
    explicit,
    process.env.SEALBRIDGE_SEALMAKER,
    path.join(repoRoot, 'build', 'demo', 'tests', 'tools', 'sb-sealmaker'),
    ...(process.env.PATH || '').split(path.delimiter).map((d) => path.join(d, 'sb-sealmaker')),
  ].filter(Boolean);
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error('sb-sealmaker not found: pass --sealmaker or set SEALBRIDGE_SEALMAKER');
  return found;
}

// The seal maker's own records: what it issued last per esID. Seeded from the demo key's seals.
class SealRegistry {
  constructor(demoEnv) {
    this.records = new Map();
    for (const file of [demoEnv.DEMO_COMPANY_SEAL, demoEnv.DEMO_LEGAL_SEAL]) {
      if (file && fs.existsSync(file)) this.remember(readSealRecord(fs.readFileSync(file)));
    }
  }

  remember(record) {
    const known = this.records.get(record.esId);
    if (!known || known.validEnd < record.validEnd) this.records.set(record.esId, record);
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function serveFile(req, res) {
  const url = new URL(req.url, 'http://portal');
  const rel0 = decodeURIComponent(url.pathname);
  if (rel0 === '/' || rel0 === '/renewal-demo') {
    // The page's own files are relative to /renewal-demo/.
    res.writeHead(302, { Location: `/renewal-demo/${url.search}`, 'Cache-Control': 'no-store' });
    res.end();
    return;
  }
  let rel = rel0;
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.normalize(path.join(webroot, rel));
  const allowed = ['renewal-demo', 'sdk'].some((dir) => file.startsWith(path.join(webroot, dir) + path.sep));
  if (!allowed || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
  });
  fs.createReadStream(file).pipe(res);
}

/**
 * Starts the portal. Options: demoDir (required), host, port (falls back to any free port when
 * busy), sealmaker. Resolves to {server, origin, port, registry, issued, certificates, close()}.
 */
export async function startRenewalServer({ demoDir, host = '127.0.0.2', port = 18080, sealmaker } = {}) {
  const demoEnv = readDemoEnv(demoDir);
  if (!demoEnv.DEMO_SEAL_MAKER_DIR) throw new Error(`${demoDir}/demo.env has no seal maker (DEMO_SEAL_MAKER_DIR)`);
  const tool = findSealmaker(sealmaker);
  const registry = new SealRegistry(demoEnv);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-renewal-'));
  const issued = [];
  const certificates = [];  // issued by /api/renew-cert
  const orders = new Map();  // esID|end of the seal on the key|certificate -> the seal issued for it
  let counter = 0;

  async function renew(body) {
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return [400, { error: 'BAD_REQUEST', message: '请求格式错误' }];
    }
    const { es_id: esId, cert_der_base64: certB64, current_valid_end: currentEnd } = request || {};
    if (typeof esId !== 'string' || typeof certB64 !== 'string' || !certB64) {
      return [400, { error: 'BAD_REQUEST', message: '缺少印章编码或证书' }];
    }
    const record = registry.records.get(esId);
    if (!record) return [404, { error: 'UNKNOWN_SEAL', message: `制章系统中没有编码为${esId}的印章` }];
    // The seal on the key decides: the maker's last issue may never have reached the key.
    const onKey = typeof currentEnd === 'string' && !Number.isNaN(Date.parse(currentEnd))
      ? new Date(currentEnd) : record.validEnd;
    const written = issued.find((i) => i.esId === esId && Date.parse(i.validEnd) === onKey.getTime());
    if (written && onKey.getTime() - Date.now() > RENEW_WINDOW_MS) {
      return [409, {
        error: 'ALREADY_RENEWED',
        issued_at: written.issuedAt,
        valid_end: written.validEnd,
        message: `这枚印章已经延期（有效期到 ${localDay(written.validEnd)}），无需再次办理`,
      }];
    }
    const base = new Date(Math.max(onKey.getTime(), Date.now()));
    const validTo = new Date(base.getTime() + YEAR_MS);

    let cert;
    try {
      cert = new X509Certificate(Buffer.from(certB64, 'base64'));
    } catch {
      return [400, { error: 'BAD_CERT', message: '无法读取印章绑定的签名证书' }];
    }
    const certEnd = new Date(cert.validTo);
    if (certEnd.getTime() < validTo.getTime() - DAY_MS) {
      return [409, {
        error: 'CERT_RENEWAL_FIRST',
        cert_not_after: iso(certEnd),
        valid_end: iso(validTo),
        message: `电子印章延期前需要先延期数字证书：印章绑定的签名证书 ${localDay(certEnd)} 到期，` +
          `早于延期后的印章有效期（${localDay(validTo)}）。请先办理数字证书延期，再延期印章`,
      }];
    }

    // An order paid for earlier whose seal never reached the key: the same seal again.
    const pending = orders.get(`${esId}|${iso(onKey)}|${certB64}`);
    if (pending) return [200, { ...pending, reused: true }];

    const n = counter++;
    const certFile = path.join(work, `cert-${n}.der`);
    const outFile = path.join(work, `seal-${n}.esl`);
    fs.writeFileSync(certFile, Buffer.from(certB64, 'base64'));
    try {
      await run(tool, ['issue', '--maker', demoEnv.DEMO_SEAL_MAKER_DIR, '--user-cert', certFile,
        '--es-id', esId, '--name', record.name, '--type', String(record.type),
        '--valid-from', iso(new Date()), '--valid-to', iso(validTo), '--out', outFile]);
    } catch (e) {
      return [500, { error: 'ISSUE_FAILED', message: '制章系统签发印章失败', detail: e.message }];
    }
    const der = fs.readFileSync(outFile);
    registry.remember({ ...record, validEnd: validTo });
    issued.push({ esId, validEnd: iso(validTo), issuedAt: iso(new Date()) });
    const answer = { es_id: esId, name: record.name, valid_end: iso(validTo), seal: der.toString('base64') };
    orders.set(`${esId}|${iso(onKey)}|${certB64}`, answer);
    return [200, answer];
  }

  // 数字证书延期: the demo CA (make-demo-key.sh's ca/) signs a PKCS#10 request made on the key
  // by cert.csr, for two years, keeping the request's subject, as a signing certificate.
  async function renewCertificate(body) {
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return [400, { error: 'BAD_REQUEST', message: '请求格式错误' }];
    }
    const csr = request?.csr;
    if (typeof csr !== 'string' || !/^-----BEGIN CERTIFICATE REQUEST-----/.test(csr.trim())) {
      return [400, { error: 'BAD_REQUEST', message: '缺少证书请求' }];
    }
    const caConfig = path.join(demoDir, 'ca', 'ca.cnf');
    if (!fs.existsSync(caConfig)) return [500, { error: 'NO_CA', message: '演示CA不存在' }];
    const n = counter++;
    const csrFile = path.join(work, `req-${n}.csr`);
    const certFile = path.join(work, `cert-${n}.pem`);
    fs.writeFileSync(csrFile, csr);
    try {
      await run('openssl', ['req', '-verify', '-noout', '-in', csrFile]);
      await run('openssl', ['ca', '-batch', '-notext', '-utf8', '-preserveDN', '-config', caConfig,
        '-extensions', 'v3_sign', '-days', String(CERT_DAYS), '-in', csrFile, '-out', certFile]);
    } catch (e) {
      return [500, { error: 'ISSUE_FAILED', message: 'CA签发证书失败', detail: e.message }];
    }
    const pem = fs.readFileSync(certFile, 'utf8');
    const cert = new X509Certificate(pem);
    certificates.push({ serial: cert.serialNumber, validTo: iso(new Date(cert.validTo)) });
    return [200, { cert: pem, not_after: iso(new Date(cert.validTo)), subject: cert.subject }];
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://portal');
      if (url.pathname === '/api/renew' || url.pathname === '/api/renew-cert') {
        if (req.method !== 'POST') {
          sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED' });
          return;
        }
        const handler = url.pathname === '/api/renew' ? renew : renewCertificate;
        const [status, body] = await handler(await readBody(req));
        sendJson(res, status, body);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED' });
        return;
      }
      serveFile(req, res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, e.status ?? 500, { error: 'INTERNAL', message: e.message });
    }
  });

  const listen = (p) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(p, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await listen(port);
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    await listen(0);
  }
  const actual = server.address().port;
  return {
    server,
    port: actual,
    origin: `http://${host}:${actual}`,
    registry,
    issued,
    certificates,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => {
        fs.rmSync(work, { recursive: true, force: true });
        resolve();
      });
    }),
  };
}

function parseArgs(argv) {
  const options = { demoDir: null, host: '127.0.0.2', port: 18080, sealmaker: undefined, daemonPort: 16116 };
  for (let i = 0; i < argv.length; i += 1) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--demo-dir': options.demoDir = value(); break;
      case '--host': options.host = value(); break;
      case '--port': options.port = Number(value()); break;
      case '--sealmaker': options.sealmaker = value(); break;
      case '--daemon-port': options.daemonPort = Number(value()); break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2));
    if (options.help || !options.demoDir) {
      console.log('usage: node tests/browser/lib/renewal-server.mjs --demo-dir DIR [--port 18080] ' +
        '[--host 127.0.0.2] [--sealmaker PATH] [--daemon-port 16116]');
      process.exit(options.help ? 0 : 2);
    }
    const portal = await startRenewalServer(options);
    if (portal.port !== options.port) {
      console.log(`note: port ${options.port} was busy; the daemon allows only the origins in its config`);
    }
    const query = options.daemonPort === 16116 ? '' : `?port=${options.daemonPort}`;
    console.log(`印章延期演示 / renewal demo portal: ${portal.origin}/${query}`);
    const stop = () => portal.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
