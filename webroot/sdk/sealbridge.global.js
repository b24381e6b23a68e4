// GENERATED from sealbridge.js by build.mjs: do not edit; run `node webroot/sdk/build.mjs`.
// Plain-script build: <script src=".../sealbridge.global.js"></script> defines the global
// SealBridge (the class) carrying the other exports as properties: DEFAULT_PORT, DEFAULT_SIGN_TIMEOUT_MS, DEFAULT_TRANSFER_TIMEOUT_MS, SealBridgeError, SDK_VERSION, SEAL_TYPES, PICTURE_TYPES, sealTypeName, pictureMimeType, sealPictureUrl, sealPictureSize, formatBeijingTime.
(function (root) {
'use strict';
/**
 * SealBridge SDK: talk to the local SealBridge signing service from a web page.
 *
 * One ES module, no dependencies, no build step (current Chromium, Edge, Firefox). The same
 * code as a plain script with a global `SealBridge` is sealbridge.global.js (made from this
 * file by build.mjs). Types: sealbridge.d.ts. Quick start: docs/quickstart.md.
 *
 *   import { SealBridge, SealBridgeError } from './sealbridge.js';
 *   const sb = new SealBridge();                 // ws://127.0.0.1:16116/ws, HTTP fallback
 *   sb.on('connection', ({ state, error }) => { if (state === 'open') refresh(); else show(state, error); });
 *   sb.on('token.inserted', refresh);
 *   sb.on('token.removed', refresh);
 *   try {
 *     await sb.connect({ retry: true });         // keeps trying when the service is not up yet
 *     const { tokens } = await sb.tokens();
 *   } catch (e) {
 *     if (e instanceof SealBridgeError) show(e.code, e.message, e.messageEn);
 *   }
 *
 * Options (all optional):
 *   port       daemon port. Default 16116, or the port this module was loaded from when it
 *              is served by the daemon itself (http://127.0.0.1:PORT/sdk/sealbridge.js).
 *   host       '127.0.0.1' (or the loopback name this module was loaded from).
 *   secure     use wss:/https: (default: the protocol this module was loaded from, else false).
 *   timeoutMs  per call and per connection attempt, default 15000.
 *   signTimeoutMs  for the signing methods, which wait for the user's approval in the
 *              service's own window: default 300000 (never set it below ~180000).
 *   transferTimeoutMs  for document uploads and downloads, default 120000.
 *   transport  'auto' (WebSocket, falling back to HTTP POST /rpc), 'websocket' or 'http'.
 *   pollMs     over HTTP there are no pushed events: token.list is polled this often (2000)
 *              and token.inserted/token.removed are synthesised from the difference; a failed
 *              poll is a lost connection, as a closed WebSocket is.
 *
 * State (sb.state) and the one 'connection' event, the same for both transports:
 *   idle -> connecting -> open -> reconnecting -> open ...; closed after close().
 *   'idle' again after a failed connect() without {retry: true}; with it, and always after
 *   the first open, a failure is 'reconnecting' and the SDK tries again (0.5 s doubling to
 *   10 s). Every change emits 'connection' {state, transport, error?, retryInMs?};
 *   'reconnecting' is emitted again after every failed attempt with its error.
 *
 * Methods:
 *   connect({retry})               -> {transport: 'websocket'|'http'}; rejects with SealBridgeError
 *   call(method, params, {timeoutMs}) -> result; connects first when needed
 *   tokens(), certificates(tokenId), seals(tokenId), info(), diagnose()
 *                                  -> token.list, cert.list, seal.list, system.info, system.diagnose
 *   probe()                        -> {ok, reason, reachable, version, message_zh, message_en,
 *                                     detail}; never rejects. ok: usable; reason null or
 *                                     'DAEMON_UNREACHABLE', 'BROWSER_BLOCKED', 'ORIGIN_NOT_ALLOWED',
 *                                     'TIMEOUT' or the service's error code
 *   signHash, signCms, signSeal, verifySignature, signPdf, verifyPdf, signBatch
 *                                  -> sign.hash, sign.cms, sign.seal, sign.verify, pdf.sign,
 *                                     pdf.verify, sign.batch (see each method and README.md)
 *   uploadDocument(bytes, {name, type}) -> {document, size, sha256}  (POST /documents)
 *   downloadDocument(id) -> Blob, deleteDocument(id)                 (GET/DELETE /documents/id)
 *   on(event, fn) / off(event, fn) events: 'connection' (above), 'token.inserted',
 *                                     'token.removed' ({token}), 'seal.changed' ({token, seal,
 *                                     es_id, replaced}), 'cert.changed' ({token, certificate,
 *                                     replaced}), 'sign.progress' ({operation?, done, total} for a batch;
 *                                     {operation?, stage, done?, total?} for a PDF)
 *   close()
 *
 * Helpers: SEAL_TYPES, sealTypeName(type), PICTURE_TYPES, pictureMimeType(picture),
 * sealPictureUrl(picture), sealPictureSize(picture), formatBeijingTime(iso).
 *
 * Errors are SealBridgeError {code, message (Chinese), messageZh, messageEn, detail,
 * triesLeft, rpcCode}. code is a stable string: the daemon's codes (PIN_INCORRECT,
 * TOKEN_REMOVED, ...) plus the ones this SDK raises itself:
 *   DAEMON_UNREACHABLE  the service is not installed or not running
 *   BROWSER_BLOCKED     the browser refused local network access for this page
 *   ORIGIN_NOT_ALLOWED  the service runs but this page's origin is not on its allow list
 *   TIMEOUT             no answer within timeoutMs
 *   CONNECTION_LOST     the connection dropped while the call was in flight (the SDK
 *                       reconnects by itself; retry the call after 'connection' 'open')
 *   CLOSED              close() was called
 *   PROTOCOL_ERROR      the reply was not JSON-RPC
 *   BAD_PARAMS          the SDK refused the arguments before sending anything
 *
 * A browser hides why a cross-origin request failed, so the SDK works it out: a no-cors
 * request for this very file succeeds whenever the service answers at all (then the real
 * failure is the origin check), and the Local Network Access permission tells a refusal by
 * the browser from a service that is not running.
 */

const DEFAULT_PORT = 16116;
/** Signing waits for the user to approve in the service's own window and type the PIN. */
const DEFAULT_SIGN_TIMEOUT_MS = 300000;
/** Uploads and downloads of documents (up to 100 MiB by default). */
const DEFAULT_TRANSFER_TIMEOUT_MS = 120000;

// Where this file was loaded from. build.mjs replaces this line in the plain-script build.
const MODULE_URL = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';
const DAEMON_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const SDK_PATH = '/sdk/sealbridge.js';
const TOKEN_EVENTS = ['token.inserted', 'token.removed'];
const LNA_PERMISSIONS = ['loopback-network', 'local-network-access'];

const CLIENT_MESSAGES = {
  DAEMON_UNREACHABLE: [
    '未检测到签章服务，请确认已安装并启动 SealBridge 签章服务（可从开始菜单或系统托盘启动），然后重试。',
    'The SealBridge signing service was not found. Make sure it is installed and running (start it from the Start menu or the system tray), then try again.',
  ],
  BROWSER_BLOCKED: [
    "浏览器阻止了本地签章服务的访问，请在地址栏左侧的网站设置中允许“本地网络访问”，然后刷新本页。",
    "The browser blocked access to the local signing service. Open the site settings at the left of the address bar, allow 'Local network access', then reload this page.",
  ],
  ORIGIN_NOT_ALLOWED: [
    '本网站未被授权使用签章服务，请联系管理员将本网站地址加入签章服务的允许列表。',
    "This web site is not allowed to use the signing service. Ask your administrator to add this site's address to the service's allowed list.",
  ],
  TIMEOUT: ['签章服务响应超时，请稍后重试。', 'The signing service did not answer in time; try again.'],
  CONNECTION_LOST: [
    '与签章服务的连接已断开，正在重新连接，请稍后重试。',
    'The connection to the signing service was lost; reconnecting, try again shortly.',
  ],
  CLOSED: ['与签章服务的连接已关闭。', 'The connection to the signing service was closed.'],
  PROTOCOL_ERROR: ['签章服务返回了无法识别的数据。', 'The signing service sent a reply that could not be understood.'],
  BAD_PARAMS: ['调用参数有误。', 'The call had invalid parameters.'],
  OK: ['签章服务连接正常。', 'The signing service is reachable.'],
};

// The wording while the SDK keeps trying by itself (connect({retry: true}), or after it had
// been connected): nothing for the user to reload.
const RETRYING_MESSAGES = {
  DAEMON_UNREACHABLE: [
    '未检测到签章服务，请确认已安装并启动 SealBridge 签章服务（可从开始菜单或系统托盘启动）。服务启动后本页会自动连接，无需刷新。',
    'The SealBridge signing service was not found. Make sure it is installed and running (start it from the Start menu or the system tray); this page connects by itself once the service runs, no need to reload.',
  ],
  ORIGIN_NOT_ALLOWED: [
    '本网站未被授权使用签章服务，请联系管理员将本网站地址加入签章服务的允许列表；加入并重启服务后本页会自动连接。',
    "This web site is not allowed to use the signing service. Ask your administrator to add this site's address to the service's allowed list; this page connects by itself once that is done and the service restarted.",
  ],
};

// In another page's iframe the permission belongs to the page on top (Chromium lends it to its
// frames), and a browser may also want the iframe to delegate it: say both (checklist 39).
const BLOCKED_IN_FRAME = [
  '本页面嵌在其他网页的框架（iframe）中，浏览器阻止了它访问本地签章服务。请在地址栏左侧的网站设置中为本网站允许“本地网络访问”后刷新；若仍被阻止，需网站在该 iframe 上加上 allow="local-network-access"，或直接打开本页。',
  "This page runs inside a frame (iframe) of another page, and the browser blocked its access to the local signing service. Allow 'Local network access' for this site in the site settings at the left of the address bar, then reload; if it stays blocked, the site must add allow=\"local-network-access\" to that iframe, or open this page directly.",
];

function inFrame() {
  try {
    return typeof window !== 'undefined' && window.self !== window.top;
  } catch {
    return true;
  }
}

function clientText(code, retrying) {
  if (code === 'BROWSER_BLOCKED' && inFrame()) return BLOCKED_IN_FRAME;
  return (retrying && RETRYING_MESSAGES[code]) || CLIENT_MESSAGES[code] || [];
}

// Fallback names for replies that lack data.code (should not happen with SealBridge itself).
const RPC_CODE_NAMES = {
  '-32700': 'BAD_REQUEST',
  '-32600': 'BAD_REQUEST',
  '-32601': 'METHOD_NOT_FOUND',
  '-32602': 'BAD_PARAMS',
  '-32603': 'INTERNAL',
};

class SealBridgeError extends Error {
  /**
   * @param {{code: string, message_zh?: string, message_en?: string, detail?: string,
   *          tries_left?: number, rpcCode?: number}} info
   */
  constructor(info) {
    const client = clientText(info.code, info.retrying);
    const zh = info.message_zh || client[0] || info.message_en || info.code;
    super(zh);
    this.name = 'SealBridgeError';
    this.code = info.code;
    this.messageZh = zh;
    this.messageEn = info.message_en || client[1] || '';
    this.detail = info.detail;
    this.triesLeft = info.tries_left;
    this.rpcCode = info.rpcCode;
  }

  /** An error the SDK raises itself; `retrying`: the wording for "the SDK keeps trying". */
  static client(code, detail, { retrying = false } = {}) {
    return new SealBridgeError({ code, detail, retrying });
  }

  static fromRpc(error) {
    const data = (error && typeof error.data === 'object' && error.data) || {};
    const rpcCode = typeof error?.code === 'number' ? error.code : undefined;
    return new SealBridgeError({
      code: data.code || RPC_CODE_NAMES[String(rpcCode)] || 'INTERNAL',
      message_zh: data.message_zh,
      message_en: data.message_en || error?.message,
      detail: data.detail,
      tries_left: data.tries_left,
      rpcCode,
    });
  }
}

/** Where the daemon is when this module was served by the daemon itself. */
function endpointFromModuleUrl() {
  try {
    const url = new URL(MODULE_URL);
    if (!/^https?:$/.test(url.protocol) || !DAEMON_HOSTS.has(url.hostname)) return null;
    // The module or its plain-script build, as the daemon serves them.
    if (!/\/sdk\/sealbridge(\.global)?\.js$/.test(url.pathname)) return null;
    const secure = url.protocol === 'https:';
    return { host: url.hostname, port: Number(url.port) || (secure ? 443 : 80), secure };
  } catch {
    return null;
  }
}

function isLoopbackHost(hostname) {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function withTimeout(promise, ms, onTimeout) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class SealBridge {
  constructor(options = {}) {
    const fromModule = endpointFromModuleUrl();
    this.host = options.host || fromModule?.host || '127.0.0.1';
    this.port = Number(options.port || fromModule?.port || DEFAULT_PORT);
    this.secure = options.secure ?? fromModule?.secure ?? false;
    this.timeoutMs = options.timeoutMs ?? 15000;
    this.signTimeoutMs = options.signTimeoutMs ?? DEFAULT_SIGN_TIMEOUT_MS;
    this.transferTimeoutMs = options.transferTimeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS;
    this.transport = options.transport || 'auto';
    this.pollMs = options.pollMs ?? 2000;
    if (!['auto', 'websocket', 'http'].includes(this.transport)) {
      throw new TypeError(`SealBridge: unknown transport '${this.transport}'`);
    }
    this.baseUrl = `${this.secure ? 'https' : 'http'}://${this.host}:${this.port}`;
    this.wsUrl = `${this.secure ? 'wss' : 'ws'}://${this.host}:${this.port}/ws`;

    this._listeners = new Map();
    this._pending = new Map();
    this._nextId = 1;
    this._ws = null;
    this._mode = null;
    this._state = 'idle';
    this._connecting = null;
    this._reconnectTimer = null;
    this._reconnectAttempt = 0;
    this._reconnectDelay = 0;
    this._retry = false;
    this._everOpen = false;
    this._pollTimer = null;
    this._knownTokens = null;
  }

  /** 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' */
  get state() {
    return this._state;
  }

  /** 'websocket' | 'http' | null */
  get connectedTransport() {
    return this._mode;
  }

  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }

  _emit(event, payload) {
    for (const fn of [...(this._listeners.get(event) || [])]) {
      try {
        fn(payload);
      } catch (e) {
        // A page's handler must not break the SDK's own bookkeeping.
        setTimeout(() => {
          throw e;
        });
      }
    }
  }

  /**
   * Connects: WebSocket /ws, else HTTP POST /rpc (transport 'auto').
   * @param {{retry?: boolean}} [options] retry: when this first connect fails, keep trying in
   *        the background with backoff (state 'reconnecting', 'connection' events) until the
   *        service answers; the promise still rejects with the first failure so the page can
   *        say why. After one successful open the SDK always reconnects by itself.
   * @returns {Promise<{transport: 'websocket'|'http'}>}
   */
  async connect({ retry = false } = {}) {
    if (this._state === 'closed') throw SealBridgeError.client('CLOSED');
    if (retry) this._retry = true;
    if (this._state === 'open') return { transport: this._mode };
    if (!this._connecting) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      if (this._state === 'idle') this._setState('connecting');
      this._connecting = this._connectOnce()
        .catch((error) => {
          if (this._state !== 'closed' && this._state !== 'open') {
            if (this._willRetry()) {
              const retryInMs = this._scheduleReconnect();
              this._setState('reconnecting', { error, retryInMs });
            } else {
              this._setState('idle', { error });
            }
          }
          throw error;
        })
        .finally(() => {
          this._connecting = null;
        });
    }
    return this._connecting;
  }

  /** Whether a failed (re)connect is tried again by the SDK itself. */
  _willRetry() {
    return this._retry || this._everOpen;
  }

  /**
   * The one place the state changes: every change is a 'connection' event
   * {state, transport, error?, retryInMs?}. 'reconnecting' is emitted again after each failed
   * attempt, with that attempt's error and the delay until the next one.
   */
  _setState(state, extra = {}) {
    if (state === this._state && state !== 'reconnecting') return;
    this._state = state;
    this._emit('connection', { state, transport: state === 'open' ? this._mode : null, ...extra });
  }

  /** The open connection (either transport) stopped working: reconnect with backoff. */
  _connectionLost(detail) {
    if (this._state !== 'open') return;
    this._mode = null;
    this._stopPolling();
    this._dropSocket();
    this._rejectPending(() => SealBridgeError.client('CONNECTION_LOST', detail));
    const retryInMs = this._scheduleReconnect();
    this._setState('reconnecting', { error: SealBridgeError.client('CONNECTION_LOST', detail), retryInMs });
  }

  async _connectOnce() {
    let wsError = null;
    if (this.transport !== 'http') {
      try {
        await this._openWebSocket();
        await this._afterOpen('websocket');
        return { transport: 'websocket' };
      } catch (e) {
        wsError = e;
        this._dropSocket();
        if (this.transport === 'websocket') throw await this._explainFailure(e);
      }
    }
    try {
      const info = await this._httpCall('system.info', {}, this.timeoutMs);
      await this._afterOpen('http');
      return { transport: 'http', info };
    } catch (e) {
      // The daemon answered the HTTP call with an error of its own: that is the answer.
      if (e instanceof SealBridgeError && !e._network) throw e;
      throw await this._explainFailure(wsError || e);
    }
  }

  _openWebSocket() {
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WebSocket(this.wsUrl);
      } catch (e) {
        reject(e);
        return;
      }
      this._ws = ws;
      const timer = setTimeout(() => {
        fail(SealBridgeError.client('TIMEOUT', `WebSocket ${this.wsUrl} did not open`));
      }, this.timeoutMs);
      const fail = (err) => {
        clearTimeout(timer);
        ws.onopen = ws.onerror = ws.onclose = ws.onmessage = null;
        try {
          ws.close();
        } catch {
          // already closed
        }
        reject(err);
      };
      ws.onerror = () => fail(networkError(`WebSocket ${this.wsUrl} failed to open`));
      ws.onclose = (ev) => fail(networkError(`WebSocket ${this.wsUrl} closed (${ev.code})`));
      ws.onopen = () => {
        clearTimeout(timer);
        ws.onmessage = (ev) => this._onMessage(ev.data);
        ws.onclose = (ev) => this._onSocketClosed(ws, ev);
        ws.onerror = null;
        resolve();
      };
    });
  }

  async _afterOpen(mode) {
    if (mode === 'websocket') await this._wsCall('events.subscribe', {}, this.timeoutMs);
    if (this._state === 'closed') {
      this._dropSocket();
      throw SealBridgeError.client('CLOSED');
    }
    this._mode = mode;
    this._everOpen = true;
    this._reconnectAttempt = 0;
    if (mode === 'http') this._startPolling();
    this._setState('open');
  }

  _dropSocket() {
    const ws = this._ws;
    this._ws = null;
    if (!ws) return;
    ws.onopen = ws.onerror = ws.onclose = ws.onmessage = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  _onSocketClosed(ws, ev) {
    if (ws !== this._ws) return;
    this._ws = null;
    this._connectionLost(`WebSocket closed (${ev?.code ?? 'unknown'})`);
  }

  /** Arms the next reconnect attempt (if none is armed); returns its delay in ms. */
  _scheduleReconnect() {
    if (this._state === 'closed') return 0;
    if (this._reconnectTimer) return this._reconnectDelay;
    // 0.5 s, 1 s, 2 s, ... capped at 10 s, with jitter so many tabs do not reconnect in step.
    const base = Math.min(10000, 500 * 2 ** this._reconnectAttempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this._reconnectAttempt += 1;
    this._reconnectDelay = delay;
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = null;
      if (this._state === 'closed' || this._state === 'open') return;
      // A failure re-arms the timer and emits 'reconnecting' inside connect().
      this.connect().catch(() => {});
    }, delay);
    return delay;
  }

  _rejectPending(makeError) {
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(makeError());
    }
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg && msg.id !== undefined && msg.id !== null && this._pending.has(msg.id)) {
      const p = this._pending.get(msg.id);
      this._pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(SealBridgeError.fromRpc(msg.error));
      else p.resolve(msg.result);
      return;
    }
    if (msg && typeof msg.method === 'string' && msg.id === undefined) {
      this._emit(msg.method, msg.params || {});
    }
  }

  _wsCall(method, params, timeoutMs) {
    const ws = this._ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(SealBridgeError.client('CONNECTION_LOST', 'WebSocket is not open'));
    }
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        reject(SealBridgeError.client('TIMEOUT', `${method} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: params || {} }));
    });
  }

  async _httpCall(method, params, timeoutMs) {
    const id = this._nextId++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    try {
      response = await fetch(`${this.baseUrl}/rpc`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: params || {} }),
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch (e) {
      if (controller.signal.aborted) {
        throw SealBridgeError.client('TIMEOUT', `${method} took longer than ${timeoutMs} ms`);
      }
      throw networkError(`POST ${this.baseUrl}/rpc: ${e && e.message}`);
    } finally {
      clearTimeout(timer);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw SealBridgeError.client('PROTOCOL_ERROR', `HTTP ${response.status} without a JSON body`);
    }
    if (body && body.error) throw SealBridgeError.fromRpc(body.error);
    if (!body || !('result' in body)) {
      throw SealBridgeError.client('PROTOCOL_ERROR', `HTTP ${response.status} without a result`);
    }
    return body.result;
  }

  /**
   * Calls a JSON-RPC method; connects first when not connected.
   * @returns {Promise<any>} the method's result
   */
  async call(method, params = {}, { timeoutMs } = {}) {
    if (this._state === 'closed') throw SealBridgeError.client('CLOSED');
    if (this._state !== 'open') await this.connect();
    const ms = timeoutMs ?? this.timeoutMs;
    if (this._mode === 'websocket') return this._wsCall(method, params, ms);
    try {
      return await this._httpCall(method, params, ms);
    } catch (e) {
      if (!(e instanceof SealBridgeError && e._network)) throw e;
      // As over WebSocket: the call is lost, the SDK reconnects by itself.
      this._connectionLost(e.detail);
      throw SealBridgeError.client('CONNECTION_LOST', e.detail);
    }
  }

  tokens() {
    return this.call('token.list', {});
  }

  certificates(token) {
    return this.call('cert.list', { token });
  }

  info() {
    return this.call('system.info', {});
  }

  diagnose() {
    return this.call('system.diagnose', {});
  }

  /**
   * The seals on a key (seal.list). See SEAL_TYPES, sealPictureUrl(), sealPictureSize() and
   * formatBeijingTime() for showing them.
   * @param {string} token token id from tokens()
   * @param {{pin?: string, confirmFinalTry?: boolean, timeoutMs?: number}} [options] pin only
   *        for keys whose driver profile keeps seals private (PIN_REQUIRED otherwise)
   * @returns {Promise<{seals: object[]}>}
   */
  seals(token, options = {}) {
    const params = { token };
    if (options.pin !== undefined && options.pin !== null) params.pin = String(options.pin);
    if (options.confirmFinalTry) params.confirm_final_try = true;
    return this.call('seal.list', params, { timeoutMs: options.timeoutMs });
  }

  /**
   * Signs a hash, or data the service hashes itself (sign.hash). The service asks the user to
   * approve in its own window first, so this waits up to signTimeoutMs.
   * @param {string} token token id
   * @param {string} cert certificate id from certificates()
   * @param {{hash?: BinaryLike, data?: BinaryLike, hashAlg?: string, scheme?: 'PKCS1'|'PSS',
   *          encoding?: 'der'|'raw', pin?: string, confirmFinalTry?: boolean,
   *          timeoutMs?: number}} options exactly one of hash and data; a string is taken as
   *          base64. SM2 keys want `data`. `pin` only works when the administrator allowed
   *          this origin `pin_from_page` (unattended intranet signing); otherwise the service
   *          answers BAD_PARAMS and the PIN belongs in the service's window.
   * @returns {Promise<{signature: string, algorithm: string, encoding: string}>}
   */
  async signHash(token, cert, options = {}) {
    const params = { token, cert, ...hashOrData(options, 'sign.hash') };
    if (options.hashAlg) params.hash_alg = options.hashAlg;
    if (options.scheme) params.scheme = options.scheme;
    if (options.encoding) params.encoding = options.encoding;
    return this._sign('sign.hash', params, options);
  }

  /**
   * Makes a CMS SignedData (sign.cms): over `data` (embedded unless `detached`) or over a
   * `hash` (always detached).
   * @param {string} token token id
   * @param {string} cert certificate id
   * @param {{data?: BinaryLike, hash?: BinaryLike, hashAlg?: string, detached?: boolean,
   *          pin?: string, confirmFinalTry?: boolean, timeoutMs?: number}} options
   * @returns {Promise<{cms: string, detached: boolean}>} cms is base64 DER
   */
  async signCms(token, cert, options = {}) {
    const params = { token, cert, ...hashOrData(options, 'sign.cms') };
    if (options.hashAlg) params.hash_alg = options.hashAlg;
    if (options.detached !== undefined) params.detached = Boolean(options.detached);
    return this._sign('sign.cms', params, options);
  }

  /**
   * Makes a GB/T 38540 (or GM/T 0031) electronic seal signature over a document's SM3 hash
   * (sign.seal).
   * @param {string} token token id
   * @param {string} seal seal id from seals()
   * @param {{dataHash: BinaryLike, propertyInfo?: string, cert?: string, pin?: string,
   *          confirmFinalTry?: boolean, timeoutMs?: number}} options dataHash is the 32-byte
   *          SM3 of the signed part of the document
   * @returns {Promise<{signed_value: string, version: number, signed_at: string}>}
   */
  async signSeal(token, seal, options = {}) {
    if (options.dataHash === undefined) throw badParams('sign.seal needs dataHash');
    const params = { token, seal, data_hash: toBase64(options.dataHash, 'dataHash') };
    if (options.propertyInfo !== undefined) params.property_info = String(options.propertyInfo);
    if (options.cert) params.cert = options.cert;
    return this._sign('sign.seal', params, options);
  }

  /**
   * Verifies a CMS/PKCS#7 signature or an SES_Signature made by anyone (sign.verify). Needs
   * no key and asks nobody.
   * @param {BinaryLike} signature the signature (a string is taken as base64)
   * @param {{data?: BinaryLike, timeoutMs?: number}} [options] data: the content of a
   *        detached signature
   * @returns {Promise<{kind: string, valid: boolean, trusted: boolean, signer: object,
   *          errors: string[]}>}
   */
  async verifySignature(signature, options = {}) {
    const params = { signature: toBase64(signature, 'signature') };
    if (options.data !== undefined) params.data = toBase64(options.data, 'data');
    return this.call('sign.verify', params, { timeoutMs: options.timeoutMs });
  }

  /**
   * Puts a visible seal on an uploaded PDF (pdf.sign). The signed PDF is a new document;
   * fetch it with downloadDocument(result.document).
   * @param {string} token token id
   * @param {string} seal seal id from seals()
   * @param {string|{document: string}} document id from uploadDocument() (or its result)
   * @param {{page: number, x_mm: number, y_mm: number}|{keyword: string, occurrence?: number}
   *         |{riding: {pages: 'all'|number[]}}} placement where the seal goes; any form may
   *         add width_mm and height_mm
   * @param {{cert?: string, reason?: string, location?: string, pin?: string,
   *          confirmFinalTry?: boolean, timeoutMs?: number, operation?: string,
   *          onProgress?: (p: {operation: string, stage: 'writing'|'hashing'|'signing',
   *          done?: number, total?: number}) => void}} [options] `pin` only with the
   *          administrator's `pin_from_page` for this origin (see signHash). `operation` names
   *          the work for cancelSigning() (one is made up when onProgress is given);
   *          onProgress gets this signing's sign.progress notifications (WebSocket only).
   * @returns {Promise<{document: string, size: number, sha256: string, signature: object}>}
   */
  async signPdf(token, seal, document, placement, options = {}) {
    if (!placement || typeof placement !== 'object') throw badParams('pdf.sign needs a placement');
    const params = { token, seal, document: documentId(document), placement };
    if (options.cert) params.cert = options.cert;
    if (options.reason !== undefined) params.reason = String(options.reason);
    if (options.location !== undefined) params.location = String(options.location);
    return this._withProgress('pdf.sign', params, options, options.timeoutMs ?? this.signTimeoutMs);
  }

  /**
   * Stops a signPdf() or signBatch() started with that `operation` name (sign.cancel): a PDF
   * being hashed stops and answers CANCELLED; batch items not signed yet answer CANCELLED,
   * what was signed stays signed.
   * @param {string} operation the name given to (or made up by) signPdf/signBatch
   * @returns {Promise<{cancelled: boolean}>} false when nothing of this page runs by that name
   */
  async cancelSigning(operation) {
    return this.call('sign.cancel', { operation: String(operation) });
  }

  // Names the work and passes only its own sign.progress notifications to onProgress, so two
  // signings at once do not see each other's progress.
  async _withProgress(method, params, options, timeoutMs) {
    const onProgress = typeof options.onProgress === 'function' ? options.onProgress : null;
    const operation =
      options.operation !== undefined
        ? String(options.operation)
        : onProgress
          ? `sb-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
          : undefined;
    if (operation !== undefined) params.operation = operation;
    const mine = onProgress
      ? (p) => {
          if (p && p.operation === operation) onProgress(p);
        }
      : null;
    if (mine) this.on('sign.progress', mine);
    try {
      return await this._sign(method, params, { ...options, timeoutMs });
    } finally {
      if (mine) this.off('sign.progress', mine);
    }
  }

  /**
   * Checks every signature of an uploaded PDF (pdf.verify).
   * @param {string|{document: string}} document id from uploadDocument() (or its result)
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<{signatures: object[]}>}
   */
  async verifyPdf(document, options = {}) {
    return this.call(
      'pdf.verify',
      { document: documentId(document) },
      { timeoutMs: options.timeoutMs ?? this.transferTimeoutMs },
    );
  }

  /**
   * Signs many hashes and/or PDFs after one approval and one login (sign.batch). Items that
   * fail are reported in their place ({error}); the others are still signed.
   * @param {string} token token id
   * @param {Array<{hash: BinaryLike, hashAlg?: string}|{document: string|{document: string},
   *         seal: string, placement: object, reason?: string}>} items at most 1000
   * @param {{cert?: string, onProgress?: (p: {operation: string, done: number,
   *          total: number}) => void, operation?: string, pin?: string,
   *          confirmFinalTry?: boolean, timeoutMs?: number}} [options]
   *        onProgress gets this batch's sign.progress notifications; they only exist over
   *        WebSocket (over HTTP it is not called). `operation` names the batch for
   *        cancelSigning() (one is made up when onProgress is given).
   * @returns {Promise<{results: object[]}>}
   */
  async signBatch(token, items, options = {}) {
    if (!Array.isArray(items) || items.length === 0) throw badParams('sign.batch needs items');
    const params = { token, items: items.map(batchItem) };
    if (options.cert) params.cert = options.cert;
    // Each item takes its time after the approval: allow a second per item on top.
    const timeoutMs = options.timeoutMs ?? this.signTimeoutMs + items.length * 1000;
    return this._withProgress('sign.batch', params, options, timeoutMs);
  }

  _sign(method, params, options) {
    if (options.pin !== undefined && options.pin !== null) params.pin = String(options.pin);
    if (options.confirmFinalTry) params.confirm_final_try = true;
    return this.call(method, params, { timeoutMs: options.timeoutMs ?? this.signTimeoutMs });
  }

  /**
   * Uploads a document to sign or verify (POST /documents). It belongs to this page's origin
   * and is removed by the service after an hour, on deleteDocument() and on restart.
   * @param {Blob|File|ArrayBuffer|ArrayBufferView} bytes the document
   * @param {{name?: string, type?: string, timeoutMs?: number}} [options] name: shown in the
   *        approval window (default: a File's name); type: 'application/pdf' (default),
   *        'application/ofd' or 'application/octet-stream'
   * @returns {Promise<{document: string, size: number, sha256: string}>}
   */
  async uploadDocument(bytes, options = {}) {
    const body = documentBody(bytes);
    const name = options.name ?? (typeof bytes?.name === 'string' ? bytes.name : undefined);
    const type = options.type || (UPLOAD_TYPES.has(bytes?.type) ? bytes.type : 'application/pdf');
    const headers = { 'Content-Type': type };
    if (name) headers['X-Document-Name'] = encodeURIComponent(name);
    return this._fetchDocument('POST', '/documents', {
      headers,
      body,
      timeoutMs: options.timeoutMs,
      read: readJson,
    });
  }

  /**
   * Fetches a document this page uploaded or had signed (GET /documents/{id}).
   * @param {string|{document: string}} document id (or a result carrying it)
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<Blob>} typed with the Content-Type given at upload
   */
  async downloadDocument(document, options = {}) {
    const id = documentId(document);
    return this._fetchDocument('GET', `/documents/${encodeURIComponent(id)}`, {
      timeoutMs: options.timeoutMs,
      read: (response) => response.blob(),
    });
  }

  /**
   * Removes a document from the service (DELETE /documents/{id}).
   * @param {string|{document: string}} document id (or a result carrying it)
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<void>}
   */
  async deleteDocument(document, options = {}) {
    const id = documentId(document);
    await this._fetchDocument('DELETE', `/documents/${encodeURIComponent(id)}`, {
      timeoutMs: options.timeoutMs,
    });
  }

  /**
   * fetch() against the service with the SDK's errors; `read` turns the OK response into the
   * result (within the same timeout, so a stalled download cannot hang).
   */
  async _fetchDocument(method, urlPath, { headers, body, timeoutMs, read } = {}) {
    if (this._state === 'closed') throw SealBridgeError.client('CLOSED');
    const ms = timeoutMs ?? this.transferTimeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    const timedOut = () => SealBridgeError.client('TIMEOUT', `${method} ${urlPath} took longer than ${ms} ms`);
    try {
      let response;
      try {
        response = await fetch(`${this.baseUrl}${urlPath}`, {
          method,
          headers,
          body,
          cache: 'no-store',
          signal: controller.signal,
        });
      } catch (e) {
        if (controller.signal.aborted) throw timedOut();
        throw await this._explainFailure(networkError(`${method} ${this.baseUrl}${urlPath}: ${e && e.message}`));
      }
      if (!response.ok) throw await httpError(response, `${method} ${urlPath}`);
      try {
        return read ? await read(response) : undefined;
      } catch (e) {
        if (controller.signal.aborted) throw timedOut();
        if (e instanceof SealBridgeError) throw e;
        throw SealBridgeError.client('CONNECTION_LOST', `${method} ${urlPath}: ${e && e.message}`);
      }
    } finally {
      clearTimeout(timer);
    }
  }


  /**
   * Works out whether the service can be used from this page, and if not, why. Never rejects.
   * @returns {Promise<{ok: boolean, reason: null|string, reachable: boolean, version: string|null,
   *          message_zh: string, message_en: string, detail: string|null}>}
   *   ok: the page can use the service. reason: null when ok, else DAEMON_UNREACHABLE,
   *   BROWSER_BLOCKED, ORIGIN_NOT_ALLOWED, TIMEOUT or the service's own error code.
   *   reachable (kept for older pages): the service answered at all, even to refuse this page;
   *   test `ok`, not `reachable`.
   */
  async probe() {
    const retrying = this._willRetry();
    try {
      const info = await this._httpCall('system.info', {}, Math.min(this.timeoutMs, 5000));
      return probeResult({ ok: true, reachable: true, version: info?.version ?? null });
    } catch (e) {
      if (e instanceof SealBridgeError && !e._network && e.code !== 'TIMEOUT') {
        return probeResult({ ok: false, reachable: true, reason: e.code, error: e });
      }
      const reason = await this._classifyNetworkFailure();
      const error = SealBridgeError.client(reason, e?.detail, { retrying });
      return probeResult({ ok: false, reachable: reason === 'ORIGIN_NOT_ALLOWED', reason, error });
    }
  }

  async _explainFailure(cause) {
    if (cause instanceof SealBridgeError && !cause._network) return cause;
    const reason = await this._classifyNetworkFailure();
    const detail = cause && cause.detail ? cause.detail : String(cause && cause.message);
    const origin = typeof location !== 'undefined' ? location.origin : '';
    return SealBridgeError.client(
      reason,
      reason === 'ORIGIN_NOT_ALLOWED' ? `origin ${origin} is not allowed; ${detail}` : detail,
      { retrying: this._willRetry() },
    );
  }

  async _classifyNetworkFailure() {
    // Any answer at all (an opaque response) means the port is open and this page may reach
    // it: the failed call was refused by the service's origin check.
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.min(this.timeoutMs, 5000));
      try {
        await fetch(`${this.baseUrl}${SDK_PATH}`, {
          mode: 'no-cors',
          cache: 'no-store',
          signal: controller.signal,
        });
      } finally {
        clearTimeout(timer);
      }
      return 'ORIGIN_NOT_ALLOWED';
    } catch {
      // Not reachable: service down or the browser blocked the request.
    }
    const state = await localNetworkPermission();
    if (state === 'granted' || state === null) return 'DAEMON_UNREACHABLE';
    if (state === 'denied') return 'BROWSER_BLOCKED';
    // 'prompt': pages that are themselves on loopback are not subject to the check.
    const pageHost = typeof location !== 'undefined' ? location.hostname : '';
    return isLoopbackHost(pageHost) ? 'DAEMON_UNREACHABLE' : 'BROWSER_BLOCKED';
  }

  _startPolling() {
    this._stopPolling();
    this._knownTokens = null;
    const poll = async () => {
      if (this._state !== 'open' || this._mode !== 'http') return;
      try {
        const { tokens } = await this._httpCall('token.list', {}, this.timeoutMs);
        this._diffTokens(tokens || []);
      } catch (e) {
        // The service went away: the same 'reconnecting' as a closed WebSocket.
        if (e instanceof SealBridgeError && e._network) {
          this._connectionLost(e.detail);
          return;
        }
        // An error answer (e.g. BUSY) is the service still there; keep polling.
      }
      if (this._state === 'open' && this._mode === 'http') {
        this._pollTimer = setTimeout(poll, this.pollMs);
      }
    };
    this._pollTimer = setTimeout(poll, 0);
  }

  _stopPolling() {
    clearTimeout(this._pollTimer);
    this._pollTimer = null;
  }

  _diffTokens(tokens) {
    const now = new Map(tokens.map((t) => [t.id, t]));
    const before = this._knownTokens;
    this._knownTokens = now;
    if (!before) return;
    for (const [id, token] of now) if (!before.has(id)) this._emit(TOKEN_EVENTS[0], { token });
    for (const [id, token] of before) if (!now.has(id)) this._emit(TOKEN_EVENTS[1], { token });
  }

  close() {
    if (this._state === 'closed') return;
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    this._stopPolling();
    this._rejectPending(() => SealBridgeError.client('CLOSED'));
    this._dropSocket();
    this._mode = null;
    this._setState('closed');
  }
}

function networkError(detail) {
  const e = new SealBridgeError({ code: 'DAEMON_UNREACHABLE', detail });
  // Marks "the browser gave no answer": the real reason is found by _classifyNetworkFailure.
  Object.defineProperty(e, '_network', { value: true });
  return e;
}

function probeResult({ ok, reachable, reason = null, version = null, error = null }) {
  const text = clientText(reason ?? 'OK', false);
  return {
    ok,
    reason,
    reachable,
    version,
    message_zh: error?.messageZh || text[0] || reason,
    message_en: error?.messageEn || text[1] || reason,
    detail: error?.detail ?? null,
  };
}

/** The Local Network Access permission state, or null when this browser has none. */
async function localNetworkPermission() {
  if (typeof navigator === 'undefined' || !navigator.permissions?.query) return null;
  // Recent Chromium splits the permission: 'loopback-network' is the one that governs
  // 127.0.0.1; older builds only know 'local-network-access'.
  for (const name of LNA_PERMISSIONS) {
    try {
      const status = await navigator.permissions.query({ name });
      return status.state;
    } catch {
      // Unknown permission name in this browser: try the next one.
    }
  }
  return null;
}

const UPLOAD_TYPES = new Set(['application/pdf', 'application/ofd', 'application/octet-stream']);

// Names for HTTP errors whose body is not the service's JSON error (a proxy, an old service).
const HTTP_STATUS_CODES = {
  400: 'BAD_REQUEST',
  403: 'ORIGIN_NOT_ALLOWED',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * @typedef {string|ArrayBuffer|ArrayBufferView} BinaryLike  bytes, or a base64 string
 */

function badParams(detail) {
  return SealBridgeError.client('BAD_PARAMS', detail);
}

/** Base64 of bytes; a string is taken to be base64 already and passed on as it is. */
function toBase64(value, what) {
  if (typeof value === 'string') return value;
  let bytes;
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  else throw badParams(`${what} must be bytes (ArrayBuffer, Uint8Array) or a base64 string`);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function hashOrData(options, method) {
  const hasHash = options.hash !== undefined;
  const hasData = options.data !== undefined;
  if (hasHash === hasData) throw badParams(`${method} needs exactly one of hash and data`);
  return hasHash ? { hash: toBase64(options.hash, 'hash') } : { data: toBase64(options.data, 'data') };
}

function documentId(document) {
  const id = typeof document === 'string' ? document : document?.document;
  if (typeof id !== 'string' || !id) throw badParams('a document id (from uploadDocument) is needed');
  return id;
}

function documentBody(bytes) {
  if (typeof Blob !== 'undefined' && bytes instanceof Blob) return bytes;
  if (bytes instanceof ArrayBuffer || ArrayBuffer.isView(bytes)) return bytes;
  throw badParams('uploadDocument needs a Blob, File, ArrayBuffer or Uint8Array');
}

function batchItem(item) {
  if (!item || typeof item !== 'object') throw badParams('each sign.batch item must be an object');
  if (item.hash !== undefined) {
    const out = { hash: toBase64(item.hash, 'hash') };
    const alg = item.hashAlg ?? item.hash_alg;
    if (alg) out.hash_alg = alg;
    return out;
  }
  const { hashAlg, ...rest } = item;
  return { ...rest, document: documentId(item.document) };
}

/** The service's JSON error of a failed HTTP request, else a code named after the status. */
async function httpError(response, what) {
  let reply = null;
  try {
    reply = await response.json();
  } catch {
    // No JSON body: named by the status below.
  }
  if (reply && reply.error) return SealBridgeError.fromRpc(reply.error);
  return SealBridgeError.client(HTTP_STATUS_CODES[response.status] || 'PROTOCOL_ERROR', `${what}: HTTP ${response.status}`);
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    throw SealBridgeError.client('PROTOCOL_ERROR', `HTTP ${response.status} without a JSON body`);
  }
}

/** This SDK's version (the npm package's); see package.json "sealbridge" for the daemons it knows. */
const SDK_VERSION = '0.2.0';

/**
 * Seal `type` numbers (GB/T 38540-2020 and GM/T 0031-2014, ESealInfo/SES_ESPropertyInfo type).
 * The standards define 1 and 2; other numbers are the seal maker's own (some write 3) and
 * are best shown by the seal's `name`. A legal representative's seal (法人章) is a personal
 * seal (type 2) in the representative's name: nothing in the seal marks it further.
 */
const SEAL_TYPES = Object.freeze({
  1: Object.freeze({ zh: '单位印章', en: 'organisation seal' }),
  2: Object.freeze({ zh: '个人印章', en: 'personal seal' }),
});

/** Seal `picture.type` values (as makers write them, case varies) and their MIME types. */
const PICTURE_TYPES = Object.freeze({
  PNG: 'image/png',
  JPG: 'image/jpeg',
  JPEG: 'image/jpeg',
  GIF: 'image/gif',
  BMP: 'image/bmp',
  SVG: 'image/svg+xml',
  OFD: 'application/ofd',
});

/**
 * What to call a seal's type: '单位印章', '个人印章', or '其他印章（类型 3）' for a maker's own number.
 * @param {number} type seal.type
 * @param {'zh'|'en'} [lang]
 */
function sealTypeName(type, lang = 'zh') {
  const known = SEAL_TYPES[type];
  if (known) return known[lang === 'en' ? 'en' : 'zh'];
  return lang === 'en' ? `other seal (type ${type})` : `其他印章（类型 ${type}）`;
}

/**
 * The MIME type of a seal picture, or null when the type is unknown.
 * @param {{type: string}|string} picture seal.picture or its type
 */
function pictureMimeType(picture) {
  const type = typeof picture === 'string' ? picture : picture?.type;
  return PICTURE_TYPES[String(type ?? '').toUpperCase()] ?? null;
}

/**
 * A data: URL for <img src>, or null when a browser cannot show the picture as an image
 * (OFD pictures, unknown types, no data).
 * @param {{type: string, data: string}} picture seal.picture
 */
function sealPictureUrl(picture) {
  const mime = pictureMimeType(picture);
  if (!mime || !mime.startsWith('image/') || !picture?.data) return null;
  return `data:${mime};base64,${picture.data}`;
}

/**
 * CSS width and height for showing a seal picture at its real size (CSS mm). Browsers map
 * 1mm to 96/25.4 CSS px whatever the screen, so on screen it is only close (zoom, display
 * scaling and devicePixelRatio change it); printed at 100% it is exact. Missing sizes give
 * 'auto'.
 * @param {{width_mm?: number, height_mm?: number}} picture seal.picture
 * @returns {{width: string, height: string}}
 */
function sealPictureSize(picture) {
  const mm = (v) => (Number.isFinite(v) && v > 0 ? `${v}mm` : 'auto');
  return { width: mm(picture?.width_mm), height: mm(picture?.height_mm) };
}

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/**
 * Formats one of the service's times (ISO 8601 UTC, e.g. '2026-11-22T16:30:00Z') in Beijing
 * time (Asia/Shanghai, UTC+8 all year: China has no daylight saving time), e.g.
 * '2026-11-23 00:30'. Returns '' for a missing or unreadable time.
 * @param {string|Date|null|undefined} time
 * @param {{seconds?: boolean, dateOnly?: boolean}} [options]
 */
function formatBeijingTime(time, { seconds = false, dateOnly = false } = {}) {
  if (time === null || time === undefined || time === '') return '';
  const ms = time instanceof Date ? time.getTime() : Date.parse(String(time));
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const two = (n) => String(n).padStart(2, '0');
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  if (dateOnly) return date;
  const hm = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return `${date} ${hm}${seconds ? `:${two(d.getUTCSeconds())}` : ''}`;
}

Object.defineProperty(SealBridge, "DEFAULT_PORT", { value: DEFAULT_PORT, enumerable: true });
Object.defineProperty(SealBridge, "DEFAULT_SIGN_TIMEOUT_MS", { value: DEFAULT_SIGN_TIMEOUT_MS, enumerable: true });
Object.defineProperty(SealBridge, "DEFAULT_TRANSFER_TIMEOUT_MS", { value: DEFAULT_TRANSFER_TIMEOUT_MS, enumerable: true });
Object.defineProperty(SealBridge, "SealBridgeError", { value: SealBridgeError, enumerable: true });
Object.defineProperty(SealBridge, "SDK_VERSION", { value: SDK_VERSION, enumerable: true });
Object.defineProperty(SealBridge, "SEAL_TYPES", { value: SEAL_TYPES, enumerable: true });
Object.defineProperty(SealBridge, "PICTURE_TYPES", { value: PICTURE_TYPES, enumerable: true });
Object.defineProperty(SealBridge, "sealTypeName", { value: sealTypeName, enumerable: true });
Object.defineProperty(SealBridge, "pictureMimeType", { value: pictureMimeType, enumerable: true });
Object.defineProperty(SealBridge, "sealPictureUrl", { value: sealPictureUrl, enumerable: true });
Object.defineProperty(SealBridge, "sealPictureSize", { value: sealPictureSize, enumerable: true });
Object.defineProperty(SealBridge, "formatBeijingTime", { value: formatBeijingTime, enumerable: true });
root.SealBridge = SealBridge;
})(typeof globalThis !== 'undefined' ? globalThis : this);
