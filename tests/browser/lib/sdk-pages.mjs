// A portal's web server for the SDK tests: serves docs/examples at /examples/ and webroot/sdk
// at /sdk/ as a portal would host them, the browser builds of Vue and React from tests/node_modules under /vendor/
// (where the examples' import map and script tags expect them), and an empty page.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PORTAL_HOST, repoRoot, webroot } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules = path.resolve(here, '..', '..', 'node_modules');

export const VENDOR_FILES = {
  'vue.esm-browser.prod.js': path.join(nodeModules, 'vue', 'dist', 'vue.esm-browser.prod.js'),
  'react.production.min.js': path.join(nodeModules, 'react', 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': path.join(nodeModules, 'react-dom', 'umd', 'react-dom.production.min.js'),
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function resolve(pathname) {
  if (pathname === '/blank.html') return { blank: true };
  if (pathname.startsWith('/vendor/')) {
    const file = VENDOR_FILES[pathname.slice('/vendor/'.length)];
    return file ? { file } : null;
  }
  const roots = { '/sdk/': path.join(webroot, 'sdk'), '/examples/': path.join(repoRoot, 'docs', 'examples') };
  for (const [prefix, dir] of Object.entries(roots)) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.normalize(path.join(dir, pathname.slice(prefix.length)));
    return file.startsWith(dir + path.sep) ? { file } : null;
  }
  return null;
}

// Resolves to {origin, port, close()}; `port` 0 takes any free port.
export async function startSdkPages({ host = PORTAL_HOST, port = 0 } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://portal');
    const found = resolve(decodeURIComponent(url.pathname));
    if (found?.blank) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><meta charset="utf-8"><title>blank</title>');
      return;
    }
    if (!found || !fs.existsSync(found.file) || !fs.statSync(found.file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(found.file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(found.file).pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const actual = server.address().port;
  return {
    port: actual,
    origin: `http://${host}:${actual}`,
    close: () => new Promise((done) => {
      server.closeAllConnections?.();
      server.close(() => done());
    }),
  };
}

// A free TCP port on 127.0.0.1, for daemons that must come back on the same port.
export async function freeLoopbackPort() {
  const net = await import('node:net');
  return new Promise((ok, fail) => {
    const probe = net.createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}
