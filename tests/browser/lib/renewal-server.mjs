// A stand-in for a provincial seal renewal portal: serves webroot/renewal-demo (and the SDK) from
// its own loopback origin, and POST /api/renew plays the seal maker's service after payment:
// it issues a renewed seal with the demo seal maker (sb-sealmaker) — same esID, name and type,
// valid one year past the current seal — and returns it base64-encoded.
//
//   node tests/browser/lib/renewal-server.mjs --demo-dir .demo [--port 18080] [--host 127.0.0.2]
//        [--sealmaker PATH] [--daemon-port 16116]
//
// The demo dir is the one scripts/make-demo-key.sh made (its demo.env names the seal maker and
// the seals it issued). The daemon must allow this origin (scripts/demo.sh allows
// http://127.0.0.2:18080).
import { execFile } from 'node:child_process';
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
const YEAR_MS = 365 * 86400000;

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
 * busy), sealmaker. Resolves to {server, origin, port, registry, issued, close()}.
 */
export async function startRenewalServer({ demoDir, host = '127.0.0.2', port = 18080, sealmaker } = {}) {
  const demoEnv = readDemoEnv(demoDir);
  if (!demoEnv.DEMO_SEAL_MAKER_DIR) throw new Error(`${demoDir}/demo.env has no seal maker (DEMO_SEAL_MAKER_DIR)`);
  const tool = findSealmaker(sealmaker);
  const registry = new SealRegistry(demoEnv);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-renewal-'));
  const issued = [];
  let counter = 0;

  async function renew(body) {
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return [400, { error: 'BAD_REQUEST', message: '请求格式错误' }];
    }
    const { es_id: esId, cert_der_base64: certB64 } = request || {};
    if (typeof esId !== 'string' || typeof certB64 !== 'string' || !certB64) {
      return [400, { error: 'BAD_REQUEST', message: '缺少印章编码或证书' }];
    }
    const record = registry.records.get(esId);
    if (!record) return [404, { error: 'UNKNOWN_SEAL', message: `制章系统中没有编码为${esId}的印章` }];
    const n = counter++;
    const certFile = path.join(work, `cert-${n}.der`);
    const outFile = path.join(work, `seal-${n}.esl`);
    fs.writeFileSync(certFile, Buffer.from(certB64, 'base64'));
    const validTo = new Date(record.validEnd.getTime() + YEAR_MS);
    try {
      await run(tool, ['issue', '--maker', demoEnv.DEMO_SEAL_MAKER_DIR, '--user-cert', certFile,
        '--es-id', esId, '--name', record.name, '--type', String(record.type),
        '--valid-from', iso(new Date()), '--valid-to', iso(validTo), '--out', outFile]);
    } catch (e) {
      return [500, { error: 'ISSUE_FAILED', message: '制章系统签发印章失败', detail: e.message }];
    }
    const der = fs.readFileSync(outFile);
    registry.remember({ ...record, validEnd: validTo });
    issued.push({ esId, validEnd: iso(validTo) });
    return [200, { es_id: esId, name: record.name, valid_end: iso(validTo), seal: der.toString('base64') }];
  }

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://portal');
      if (url.pathname === '/api/renew') {
        if (req.method !== 'POST') {
          sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED' });
          return;
        }
        const [status, body] = await renew(await readBody(req));
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
