// Raw-bytes requests to /documents, for tests that upload PDFs and download what was signed.
import http from 'node:http';

import { PORTAL_ORIGIN } from './daemon.mjs';

// Raw-bytes request returning {status, headers, body: Buffer}; headers as given (no Origin
// unless the caller sets one).
export function documentRequest(d, { method, urlPath, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const h = { Host: d.host, ...headers };
    if (body !== undefined) h['Content-Length'] = body.length;
    const req = http.request({
      host: '127.0.0.1', port: d.port, method, path: urlPath, headers: h, agent: false, setHost: false,
      timeout: 60000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Uploads `bytes` as a PDF; returns {document, size, sha256}.
export async function uploadPdf(d, bytes, { name, origin = PORTAL_ORIGIN } = {}) {
  const headers = { 'Content-Type': 'application/pdf', Origin: origin };
  if (name) headers['X-Document-Name'] = encodeURIComponent(name);
  const res = await documentRequest(d, { method: 'POST', urlPath: '/documents', body: bytes, headers });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body.toString('utf8'));
}

export async function downloadDocument(d, id, { origin = PORTAL_ORIGIN } = {}) {
  const res = await documentRequest(d, { method: 'GET', urlPath: `/documents/${id}`, headers: { Origin: origin } });
  if (res.status !== 200) throw new Error(`download answered ${res.status}: ${res.body}`);
  return res.body;
}
