// sealbridge-tray for real: a private Xvfb display with trayer as the XEmbed tray host (no
// StatusNotifier host exists, so libayatana-appindicator falls back to XEmbed), the real
// daemon on SoftHSM2 demo keys, and xdotool clicking each menu item. Pages the tray opens go
// to a stand-in browser (SEALBRIDGE_BROWSER) that records each URL; messages it shows are
// windows titled "SealBridge - …" and lines on its stderr. Screenshots stay in
// SEALBRIDGE_ARTIFACT_DIR.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fixture, waitFor, sleep } from '../integration/lib/daemon.mjs';

const TRAY = process.env.SEALBRIDGE_TRAY;
const ARTIFACTS = process.env.SEALBRIDGE_ARTIFACT_DIR ?? os.tmpdir();
const MENU_ITEMS = 7; // state line, 印章工具, 在线延期, 检查升级, 环境检测, 关于, 退出
const item = { sealTool: 1, renew: 2, checkUpdate: 3, environment: 4, about: 5, quit: 6 };

function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}
const missing = ['Xvfb', 'trayer', 'xdotool', 'import'].filter((p) => !onPath(p));
if (!TRAY || missing.length) {
  console.log(`SKIP: ${TRAY ? `missing ${missing.join(', ')}` : 'SEALBRIDGE_TRAY not set'}`);
  process.exit(77);
}

const children = new Set();
const cleanups = [];
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });
after(async () => { for (const f of cleanups.reverse()) await f(); });

function track(child) {
  children.add(child);
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  return child;
}

async function startXvfb() {
  const child = track(spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1024x600x24', '-nolisten', 'tcp', '-noreset'],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] }));
  let number = '';
  child.stdio[3].setEncoding('utf8').on('data', (s) => { number += s; });
  await waitFor(() => number.includes('\n'), { timeoutMs: 10000, what: 'Xvfb display number' });
  return { child, display: `:${number.trim()}` };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sbtray-'));
cleanups.push(() => fs.rmSync(work, { recursive: true, force: true }));
const urlLog = path.join(work, 'urls.txt');
const recorder = path.join(work, 'browser.sh');
fs.writeFileSync(recorder, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urlLog}'\n`, { mode: 0o755 });
const recordedUrls = () => (fs.existsSync(urlLog) ? fs.readFileSync(urlLog, 'utf8').split('\n').filter(Boolean) : []);

const x = await startXvfb();
cleanups.push(async () => { x.child.kill('SIGTERM'); await x.child.exited; });
const xenv = { ...process.env, DISPLAY: x.display };
delete xenv.DBUS_SESSION_BUS_ADDRESS; // no session bus: no StatusNotifier host, XEmbed it is

function xdo(...args) {
  const r = spawnSync('xdotool', args, { env: xenv, encoding: 'utf8', timeout: 10000 });
  return r.status === 0 ? r.stdout : '';
}
function geometry(window) {
  const g = {};
  for (const line of xdo('getwindowgeometry', '--shell', window).split('\n')) {
    const [k, v] = line.split('=');
    if (v !== undefined) g[k] = Number(v);
  }
  return g.WIDTH ? { x: g.X, y: g.Y, width: g.WIDTH, height: g.HEIGHT } : null;
}
function windowsOf(pid) {
  return xdo('search', '--onlyvisible', '--pid', String(pid)).split('\n').filter(Boolean);
}
function screenshot(name) {
  const file = path.join(ARTIFACTS, name);
  spawnSync('import', ['-window', 'root', file], { env: xenv, timeout: 10000 });
  assert.ok(fs.existsSync(file) && fs.statSync(file).size > 1000, `screenshot ${file}`);
}

const trayer = track(spawn('trayer', ['--edge', 'top', '--align', 'right', '--widthtype', 'request',
  '--height', '32', '--SetDockType', 'true', '--transparent', 'false', '--tint', '0xdddddd'],
{ env: xenv, stdio: 'ignore' }));
cleanups.push(async () => { trayer.kill('SIGTERM'); await trayer.exited; });
const panel = await waitFor(() => {
  const id = xdo('search', '--onlyvisible', '--class', 'trayer').split('\n').find(Boolean);
  return id && geometry(id);
}, { timeoutMs: 10000, what: 'the trayer panel' });

class Tray {
  constructor(stateDir, lang) {
    this.log = '';
    this.child = track(spawn(TRAY, ['--state-dir', stateDir], {
      // GTK, fontconfig and D-Bus keep memory until exit by design: in a sanitizer build the
      // tray's own default turns leak reports off, and the suite's ASAN_OPTIONS must not undo it.
      env: { ...xenv, LANG: lang, LC_ALL: '', LC_MESSAGES: '', SEALBRIDGE_BROWSER: recorder, HOME: work,
        ASAN_OPTIONS: 'detect_leaks=0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    }));
    this.child.stderr.setEncoding('utf8').on('data', (s) => { this.log += s; });
  }

  // Waits for `pattern` in what the tray logged after character `since` (see mark()).
  async waitForLog(pattern, what, { since = 0, timeoutMs = 15000 } = {}) {
    return waitFor(() => pattern.test(this.log.slice(since)),
      { timeoutMs, what: `${what}; log so far:\n${this.log}` });
  }

  mark() { return this.log.length; }

  // The embedded icon: the tray's own small window in trayer's panel (the panel grows to the
  // left as icons join, so only its height is a fixed landmark).
  async icon() {
    return waitFor(() => windowsOf(this.child.pid).map(geometry)
      .find((g) => g && g.y < panel.y + panel.height && g.width <= 64 && g.height <= 64),
    { timeoutMs: 10000, what: 'the tray icon embedded in trayer' });
  }

  async openMenu() {
    const icon = await this.icon();
    const before = new Set(windowsOf(this.child.pid));
    xdo('mousemove', '--sync', String(icon.x + icon.width / 2), String(icon.y + icon.height / 2), 'click', '1');
    return waitFor(() => windowsOf(this.child.pid).filter((w) => !before.has(w)).map(geometry)
      .find((g) => g && g.height > 100), { timeoutMs: 5000, what: 'the tray menu' });
  }

  async click(index, { screenshotName } = {}) {
    const menu = await this.openMenu();
    await sleep(200); // the menu's first frame
    if (screenshotName) screenshot(screenshotName);
    // Items are of equal height (no separators) between the menu's 4 px paddings.
    const pad = 4;
    const y = menu.y + pad + ((index + 0.5) * (menu.height - 2 * pad)) / MENU_ITEMS;
    xdo('mousemove', '--sync', String(menu.x + menu.width / 2), String(Math.round(y)), 'click', '1');
  }
}

async function messageWindow(title, timeoutMs = 10000) {
  return waitFor(() => xdo('search', '--onlyvisible', '--name', `^SealBridge - ${title}$`).split('\n').find(Boolean),
    { timeoutMs, what: `a window titled "SealBridge - ${title}"` });
}

test('Chinese menu: each item opens its page or shows its answer, and the icon follows the key', async () => {
  const fixture = Fixture.create({ expiringDays: 200 });
  cleanups.push(() => fixture.cleanup());
  const renewal = 'https://renew.example.test/sealbridge?from=tray';
  const daemon = await fixture.start({ configExtra: { renewal_url: renewal } });
  const tray = new Tray(daemon.stateDir, 'C.UTF-8');
  await tray.waitForLog(/state sealbridge-tray-key\n/, 'the key-present state');

  await tray.click(item.sealTool, { screenshotName: 'tray-menu-zh.png' });
  await waitFor(() => recordedUrls().includes(`http://127.0.0.1:${daemon.port}/`),
    { what: `the seal tool URL; recorded: ${recordedUrls()}` });

  await tray.click(item.renew);
  await waitFor(() => recordedUrls().includes(renewal), { what: `the renewal URL; recorded: ${recordedUrls()}` });

  await tray.click(item.checkUpdate);
  await messageWindow('检查升级', 40000); // the tray allows update.check 30 s
  await tray.waitForLog(/message 检查升级: .+\n/, 'the update check answer');
  const answer = /message 检查升级: (.+)\n/.exec(tray.log)[1];
  // update.check may not be implemented by this daemon yet: METHOD_NOT_FOUND is shown as such.
  const methods = (await daemon.call('system.info')).methods;
  if (!methods.includes('update.check')) assert.equal(answer, '签章服务暂不支持检查升级。');
  else assert.doesNotMatch(answer, /无法连接/);

  await tray.click(item.environment);
  await waitFor(() => recordedUrls().includes(`http://127.0.0.1:${daemon.port}/#diag-title`),
    { what: `the environment check URL; recorded: ${recordedUrls()}` });

  await tray.click(item.about);
  await messageWindow('关于');
  const version = (await daemon.call('system.info')).version;
  await tray.waitForLog(new RegExp(`message 关于: SealBridge 电子印章签章服务\\n版本：${version.replace(/\./g, '\\.')}\n`),
    'the about text with the daemon version');

  fixture.unplug();
  await tray.waitForLog(/state sealbridge-tray-nokey\n/, 'the no-key state');
  const unplugged = tray.mark();
  fixture.plug();
  await tray.waitForLog(/state sealbridge-tray-key\n/, 'the key-present state again', { since: unplugged });

  const running = tray.mark();
  await daemon.stop();
  await tray.waitForLog(/state sealbridge-tray-offline\n/, 'the offline state', { since: running });
  await tray.click(item.about);
  await tray.waitForLog(/message 关于: 无法连接本机签章服务/, 'about without the daemon');

  await tray.click(item.quit);
  const exit = await tray.child.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, tray.log);
  assert.deepEqual(recordedUrls(), [`http://127.0.0.1:${daemon.port}/`, renewal,
    `http://127.0.0.1:${daemon.port}/#diag-title`]);
});

test('English locale: English words, and a certificate expiring within 30 days shows', async () => {
  const fixture = Fixture.create({ expiringDays: 20 });
  cleanups.push(() => fixture.cleanup());
  const daemon = await fixture.start();
  const tray = new Tray(daemon.stateDir, 'en_US.UTF-8');
  await tray.waitForLog(/state sealbridge-tray-expiring\n/, 'the expiring state');

  await tray.click(item.renew, { screenshotName: 'tray-menu-en.png' });
  await messageWindow('Renew online');
  await tray.waitForLog(/message Renew online: The administrator has not configured a renewal address\.\n/,
    'no renewal address configured');

  await tray.click(item.about);
  await tray.waitForLog(/message About: SealBridge electronic seal signing service\nVersion: \d+\.\d+\.\d+\n/,
    'the English about text');
  screenshot('tray-about-en.png');

  await tray.click(item.quit);
  assert.deepEqual(await tray.child.exited, { code: 0, signal: null }, tray.log);
});
