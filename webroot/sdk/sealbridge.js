/**
 * SealBridge SDK: talk to the local SealBridge signing service from a web page.
 *
 * One ES module, no dependencies, no build step (current Chromium, Edge, Firefox).
 *
 *   import { SealBridge, SealBridgeError } from './sealbridge.js';
 *   const sb = new SealBridge();                 // ws://127.0.0.1:16116/ws, HTTP fallback
 *   sb.on('token.inserted', ({ token }) => refresh());
 *   sb.on('token.removed', ({ token }) => refresh());
 *   sb.on('connection', ({ state }) => { if (state === 'open') refresh(); });
 *   try {
 *     await sb.connect();
 *     const { tokens } = await sb.tokens();
 *     const { certificates } = await sb.certificates(tokens[0].id);
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
 *   transport  'auto' (WebSocket, falling back to HTTP POST /rpc), 'websocket' or 'http'.
 *   pollMs     over HTTP there are no pushed events: token.list is polled this often (2000)
 *              and token.inserted/token.removed are synthesised from the difference.
 *
 * Methods:
 *   connect()                      -> {transport: 'websocket'|'http'}; rejects with SealBridgeError
 *   call(method, params, {timeoutMs}) -> result; connects first when needed
 *   tokens(), certificates(tokenId), info(), diagnose()   -> token.list, cert.list,
 *                                     system.info, system.diagnose results
 *   probe()                        -> {reachable, reason, message_zh, message_en}; reason is
 *                                     'OK', 'ORIGIN_NOT_ALLOWED', 'BROWSER_BLOCKED' or
 *                                     'DAEMON_UNREACHABLE'
 *   on(event, fn) / off(event, fn) events: 'token.inserted', 'token.removed' ({token}),
 *                                     'seal.changed' ({token, seal, es_id, replaced}),
 *                                     'cert.changed' ({token, certificate, replaced}) and
 *                                     'connection' ({state: 'open'|'reconnecting'|'closed',
 *                                     transport, error?})
 *   close()
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
 *
 * A browser hides why a cross-origin request failed, so the SDK works it out: a no-cors
 * request for this very file succeeds whenever the service answers at all (then the real
 * failure is the origin check), and the Local Network Access permission tells a refusal by
 * the browser from a service that is not running.
 */

export const DEFAULT_PORT = 16116;

const DAEMON_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const SDK_PATH = '/sdk/sealbridge.js';
const TOKEN_EVENTS = ['token.inserted', 'token.removed'];
const LNA_PERMISSIONS = ['loopback-network', 'local-network-access'];

const CLIENT_MESSAGES = {
  DAEMON_UNREACHABLE: [
    '未检测到签章服务，请确认已安装并启动 SealBridge 签章服务（可从开始菜单或系统托盘启动），然后刷新本页。',
    'The SealBridge signing service was not found. Make sure it is installed and running (start it from the Start menu or the system tray), then reload this page.',
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
  OK: ['签章服务连接正常。', 'The signing service is reachable.'],
};

// Fallback names for replies that lack data.code (should not happen with SealBridge itself).
const RPC_CODE_NAMES = {
  '-32700': 'BAD_REQUEST',
  '-32600': 'BAD_REQUEST',
  '-32601': 'METHOD_NOT_FOUND',
  '-32602': 'BAD_PARAMS',
  '-32603': 'INTERNAL',
};

export class SealBridgeError extends Error {
  /**
   * @param {{code: string, message_zh?: string, message_en?: string, detail?: string,
   *          tries_left?: number, rpcCode?: number}} info
   */
  constructor(info) {
    const client = CLIENT_MESSAGES[info.code] || [];
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

  static client(code, detail) {
    return new SealBridgeError({ code, detail });
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
    const url = new URL(import.meta.url);
    if (!/^https?:$/.test(url.protocol) || !DAEMON_HOSTS.has(url.hostname)) return null;
    if (!url.pathname.endsWith(SDK_PATH)) return null;
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

export class SealBridge {
  constructor(options = {}) {
    const fromModule = endpointFromModuleUrl();
    this.host = options.host || fromModule?.host || '127.0.0.1';
    this.port = Number(options.port || fromModule?.port || DEFAULT_PORT);
    this.secure = options.secure ?? fromModule?.secure ?? false;
    this.timeoutMs = options.timeoutMs ?? 15000;
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

  async connect() {
    if (this._state === 'closed') throw SealBridgeError.client('CLOSED');
    if (this._state === 'open') return { transport: this._mode };
    if (!this._connecting) {
      clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      const reconnecting = this._state === 'reconnecting';
      if (!reconnecting) this._state = 'connecting';
      this._connecting = this._connectOnce()
        .catch((error) => {
          if (this._state !== 'closed') {
            this._state = reconnecting ? 'reconnecting' : 'idle';
            if (reconnecting) this._scheduleReconnect();
          }
          throw error;
        })
        .finally(() => {
          this._connecting = null;
        });
    }
    return this._connecting;
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
    this._mode = mode;
    this._state = 'open';
    this._reconnectAttempt = 0;
    if (mode === 'websocket') {
      await this._wsCall('events.subscribe', {}, this.timeoutMs);
    } else {
      this._startPolling();
    }
    this._emit('connection', { state: 'open', transport: mode });
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
    this._mode = null;
    this._rejectPending(() =>
      SealBridgeError.client('CONNECTION_LOST', `WebSocket closed (${ev?.code ?? 'unknown'})`),
    );
    if (this._state === 'closed') return;
    this._state = 'reconnecting';
    this._emit('connection', {
      state: 'reconnecting',
      transport: null,
      error: SealBridgeError.client('CONNECTION_LOST'),
    });
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    if (this._state === 'closed' || this._reconnectTimer) return;
    // 0.5 s, 1 s, 2 s, ... capped at 10 s, with jitter so many tabs do not reconnect in step.
    const base = Math.min(10000, 500 * 2 ** this._reconnectAttempt);
    const delay = base / 2 + Math.random() * (base / 2);
    this._reconnectAttempt += 1;
    this._reconnectTimer = setTimeout(async () => {
      this._reconnectTimer = null;
      if (this._state === 'closed' || this._state === 'open') return;
      try {
        await this.connect();
      } catch (error) {
        if (this._state === 'closed') return;
        this._state = 'reconnecting';
        this._emit('connection', { state: 'reconnecting', transport: null, error });
        this._scheduleReconnect();
      }
    }, delay);
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
      if (e instanceof SealBridgeError && e._network) throw await this._explainFailure(e);
      throw e;
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
   * Works out whether the service can be used from this page, and if not, why.
   * @returns {Promise<{reachable: boolean, reason: string, message_zh: string, message_en: string}>}
   */
  async probe() {
    try {
      await this._httpCall('system.info', {}, Math.min(this.timeoutMs, 5000));
      return probeResult(true, 'OK');
    } catch (e) {
      if (e instanceof SealBridgeError && !e._network && e.code !== 'TIMEOUT') {
        return probeResult(true, e.code, e);
      }
      const reason = await this._classifyNetworkFailure();
      return probeResult(reason === 'ORIGIN_NOT_ALLOWED', reason);
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
      } catch {
        // A failed poll is reported by the page's next call; keep polling.
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
    this._state = 'closed';
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    this._stopPolling();
    this._rejectPending(() => SealBridgeError.client('CLOSED'));
    this._dropSocket();
    this._mode = null;
    this._emit('connection', { state: 'closed', transport: null });
  }
}

function networkError(detail) {
  const e = new SealBridgeError({ code: 'DAEMON_UNREACHABLE', detail });
  // Marks "the browser gave no answer": the real reason is found by _classifyNetworkFailure.
  Object.defineProperty(e, '_network', { value: true });
  return e;
}

function probeResult(reachable, reason, error) {
  const text = CLIENT_MESSAGES[reason] || [];
  return {
    reachable,
    reason,
    message_zh: error?.messageZh || text[0] || reason,
    message_en: error?.messageEn || text[1] || reason,
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
