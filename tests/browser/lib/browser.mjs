// Shared pieces of the browser tests: Debian's Chromium driven by playwright-core, a static
// server that plays the portal on a second loopback origin, permission grants, screenshots.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = process.env.SEALBRIDGE_SOURCE_DIR ?? path.resolve(here, '../../..');
export const webroot = path.join(repoRoot, 'webroot');
export const artifactsDir = process.env.SEALBRIDGE_ARTIFACTS ?? path.join(here, '..', 'artifacts');

// 127.0.0.2 is loopback but not where the daemon listens, so pages served from it are a
// different origin that still needs no Local Network Access permission.
export const PORTAL_HOST = '127.0.0.2';
export const PORTAL_PORT = 18080;
export const OTHER_PORT = 18081;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// `env` replaces the browser's environment (e.g. a HOME whose ~/.pki/nssdb holds test roots).
export async function launchChromium(extraArgs = [], { env } = {}) {
  return chromium.launch({
    executablePath: process.env.SEALBRIDGE_CHROMIUM ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30000,
    ...(env ? { env } : {}),
  });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

// Serves webroot/portal-test and webroot/sdk (nothing else) like a portal's web server would.
// Tries `port` first and takes any free port when it is busy; resolves to {server, origin}.
export async function startPortalServer({ host = PORTAL_HOST, port = PORTAL_PORT } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://portal');
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '/portal-test') rel = '/portal-test/';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.normalize(path.join(webroot, rel));
    const allowed = ['portal-test', 'sdk'].some((dir) => file.startsWith(path.join(webroot, dir) + path.sep));
    if (!allowed || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
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
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

export function portalUrl(portal, daemonPort, extra = {}) {
  const q = new URLSearchParams({ port: String(daemonPort), ...extra });
  return `${portal.origin}/portal-test/index.html?${q}`;
}

// Grants the Local Network Access permission to `origin` in the page's browser context.
// Chromium 156 checks 'loopback-network' for 127.0.0.1; older builds used
// 'local-network-access'. Playwright 1.56 maps neither to the loopback check, so this goes
// through CDP.
export async function grantLocalNetwork(browser, page, origin) {
  const pageSession = await page.context().newCDPSession(page);
  const { targetInfo } = await pageSession.send('Target.getTargetInfo');
  await pageSession.detach();
  const session = await browser.newBrowserCDPSession();
  const granted = [];
  for (const name of ['loopback-network', 'local-network-access']) {
    try {
      await session.send('Browser.setPermission', {
        permission: { name },
        setting: 'granted',
        origin,
        browserContextId: targetInfo.browserContextId,
      });
      granted.push(name);
    } catch {
      // This Chromium does not know the name.
    }
  }
  // Not detached: Chromium drops permission overrides when the session that set them goes.
  return granted;
}

// Waits until the portal page has settled on 'connected' or 'error'; returns what it shows.
export async function portalOutcome(page, { timeoutMs = 20000 } = {}) {
  await page.waitForFunction(
    () => ['connected', 'error'].includes(document.getElementById('status')?.dataset.state),
    null,
    { timeout: timeoutMs },
  );
  return page.evaluate(() => ({
    state: document.getElementById('status').dataset.state,
    transport: document.getElementById('status').dataset.transport ?? null,
    code: document.getElementById('error-code').textContent,
    message: document.getElementById('message').textContent,
    messageEn: document.getElementById('message-en').textContent,
    probe: document.getElementById('probe').textContent,
  }));
}

export async function screenshot(page, name) {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Console errors and uncaught exceptions of a page, for assertion messages and checks.
export function collectPageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Browsers ask every origin for /favicon.ico; a 404 for it is not the page's fault.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) {
      errors.push(`console: ${m.text()} (${m.location().url})`);
    }
  });
  return errors;
}
