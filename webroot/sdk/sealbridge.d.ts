// Type declarations of the SealBridge SDK (sealbridge.js and the global SealBridge of
// sealbridge.global.js). Shapes follow docs/api.md; tests/browser/sdk-package.test.mjs checks
// that every method of the daemon is in RpcMethods and every error code in the unions below.

/** Binary input: bytes, or a string that is already base64. */
export type BinaryLike = string | ArrayBuffer | ArrayBufferView;
/** ISO 8601 UTC time as the service sends it, e.g. "2026-11-22T08:30:00Z". */
export type IsoTime = string;
/** base64 text. */
export type Base64 = string;

// ---------------------------------------------------------------------------------------------
// Errors

/** Stable codes of the service (daemon/core/error.cpp, docs/api.md "Errors"). */
export type DaemonErrorCode =
  | 'BAD_REQUEST'
  | 'METHOD_NOT_FOUND'
  | 'BAD_PARAMS'
  | 'INTERNAL'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HOST_NOT_ALLOWED'
  | 'ORIGIN_NOT_ALLOWED'
  | 'NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'TOKEN_REMOVED'
  | 'OBJECT_NOT_FOUND'
  | 'MODULE_LOAD_FAILED'
  | 'PKCS11_ERROR'
  | 'PIN_REQUIRED'
  | 'PIN_INCORRECT'
  | 'PIN_LOCKED'
  | 'PIN_FINAL_TRY'
  | 'PIN_LENGTH'
  | 'PIN_ATTEMPTS_EXCEEDED'
  | 'BUSY'
  | 'CANCELLED'
  | 'NOT_SUPPORTED'
  | 'SEAL_INVALID'
  | 'SEAL_UNTRUSTED'
  | 'SEAL_NOT_BOUND'
  | 'SEAL_EXPIRED'
  | 'SEAL_NOT_NEWER'
  | 'CERT_INVALID'
  | 'CERT_MISMATCH'
  | 'IO_ERROR'
  | 'PDF_INVALID'
  | 'PDF_UNSUPPORTED'
  | 'PICTURE_UNSUPPORTED'
  | 'PDF_SIGNATURE_TOO_LARGE'
  | 'SIGNATURE_INVALID'
  | 'UPDATE_NOT_CONFIGURED'
  | 'UPDATE_UNREACHABLE'
  | 'UPDATE_MANIFEST_INVALID'
  | 'UPDATE_SIGNATURE_INVALID'
  | 'UPDATE_EXPIRED'
  | 'UPDATE_ROLLBACK'
  | 'UPDATE_NOT_NEWER'
  | 'UPDATE_HASH_MISMATCH';

/** Codes the SDK raises itself (it never reached the service, or lost it). */
export type ClientErrorCode =
  | 'DAEMON_UNREACHABLE'
  | 'BROWSER_BLOCKED'
  | 'ORIGIN_NOT_ALLOWED'
  | 'TIMEOUT'
  | 'CONNECTION_LOST'
  | 'CLOSED'
  | 'PROTOCOL_ERROR'
  | 'BAD_PARAMS';

export type ErrorCode = DaemonErrorCode | ClientErrorCode;

/** The three states a page must explain when the service cannot be used. */
export type UnavailableReason = 'DAEMON_UNREACHABLE' | 'BROWSER_BLOCKED' | 'ORIGIN_NOT_ALLOWED';

export declare class SealBridgeError extends Error {
  constructor(info: {
    code: ErrorCode | string;
    message_zh?: string;
    message_en?: string;
    detail?: string;
    tries_left?: number;
    rpcCode?: number;
    retrying?: boolean;
  });
  readonly name: 'SealBridgeError';
  /** Stable: branch on this. */
  code: ErrorCode;
  /** Chinese, for the user (also `message`). */
  messageZh: string;
  /** English, for the user. */
  messageEn: string;
  /** Technical English, for support staff. */
  detail?: string;
  /** PIN errors, when the key reports it. */
  triesLeft?: number;
  /** The JSON-RPC error code (-320xx) when the service answered. */
  rpcCode?: number;
  static client(code: ClientErrorCode, detail?: string, options?: { retrying?: boolean }): SealBridgeError;
  static fromRpc(error: { code?: number; message?: string; data?: unknown }): SealBridgeError;
}

/** An error as the service puts it inside results (system.info modules, sign.batch items). */
export interface ErrorInfo {
  code: DaemonErrorCode;
  message_zh: string;
  message_en: string;
  detail?: string;
}

// ---------------------------------------------------------------------------------------------
// Objects

export interface TokenFlags {
  login_required: boolean;
  pin_count_low: boolean;
  pin_final_try: boolean;
  pin_locked: boolean;
  protected_auth_path: boolean;
}

export interface Token {
  /** Stable across re-plugging and restarts. */
  id: string;
  label: string;
  manufacturer: string;
  model: string;
  /** What users know as "UKey编号". */
  serial: string;
  module: string;
  module_name: string;
  flags: TokenFlags;
}

export type KeyType = 'RSA' | 'EC' | 'SM2';

export interface Certificate {
  id: string;
  label: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: IsoTime;
  not_after: IsoTime;
  /** Negative once expired; show "证书即将过期" at <= 30. */
  days_left: number;
  key_type: KeyType;
  usage: string[];
  has_private_key: boolean | null;
  private_key: 'present' | 'absent' | 'unknown';
  der: Base64;
}

/** Seal picture types as makers write them (case varies); see PICTURE_TYPES. */
export type PictureType = 'PNG' | 'JPG' | 'JPEG' | 'GIF' | 'BMP' | 'SVG' | 'OFD' | (string & {});

export interface SealPicture {
  type: PictureType;
  width_mm: number;
  height_mm: number;
  data: Base64;
}

export type SealCertEntry =
  | { kind: 'certificate'; der: Base64 }
  | { kind: 'digest'; algorithm: string; value: string }
  | { kind: 'unreadable'; element: string; reason: string };

export type SealVerificationError = 'SEAL_INVALID' | 'SEAL_UNTRUSTED' | 'SEAL_NOT_BOUND' | 'SEAL_EXPIRED';

export interface Seal {
  id: string;
  es_id: string;
  /** null for a data object on the key that is not a readable seal. */
  format: 'GB/T 38540' | 'GM/T 0031' | null;
  header_version: number;
  vid: string;
  /** 1 单位印章, 2 个人印章 (法人章 is a personal seal); other numbers are the maker's own. */
  type: number;
  name: string;
  create_date: IsoTime;
  valid_start: IsoTime;
  valid_end: IsoTime;
  days_left: number;
  picture: SealPicture;
  maker: { subject: string; issuer: string; serial: string; not_after: IsoTime };
  cert_list: SealCertEntry[];
  verification: {
    ok: boolean;
    maker_signature: string;
    maker_trusted: boolean;
    bound_to_key: boolean;
    in_validity: boolean;
    errors: SealVerificationError[];
    reasons: Partial<Record<SealVerificationError, string>>;
  };
  warnings: Array<{ code: string; field: string; offset: number; element: string; reason: string }>;
  der?: Base64;
}

export interface ModuleInfo {
  path: string;
  name: string;
  loaded: boolean;
  library?: { manufacturer: string; description: string; cryptoki_version: string; library_version: string };
  error?: ErrorInfo;
}

export interface SystemInfo {
  name: 'SealBridge';
  version: string;
  listen: { addresses: string[]; port: number; tls: boolean };
  modules: ModuleInfo[];
  methods: string[];
}

export interface Finding {
  code: string;
  level: 'info' | 'warning' | 'error';
  message_zh: string;
  message_en: string;
  module?: string;
  token?: string;
  certificate?: string;
  days_left?: number;
}

export interface Signer {
  subject: string;
  issuer: string;
  serial: string;
  not_after: IsoTime;
}

export interface VerifyResult {
  kind: 'CMS' | 'SES_Signature';
  valid: boolean;
  trusted: boolean;
  signer: Signer;
  signed_at?: IsoTime;
  errors: string[];
  seal?: Seal;
  data_hash?: Base64;
  property_info?: string;
}

/** Where pdf.sign puts the seal; any form may add width_mm and height_mm. */
export type Placement = (
  | { page: number; x_mm: number; y_mm: number }
  | { keyword: string; occurrence?: number }
  | { riding: { pages: 'all' | [number, number] } }
) & { width_mm?: number; height_mm?: number };

export interface DocumentInfo {
  document: string;
  size: number;
  sha256: string;
}

export interface PdfSignResult extends DocumentInfo {
  signature: {
    pages: number[];
    seal: { id: string; name: string };
    sub_filter: string;
    byte_range: number[];
    signer: Signer;
  };
}

export interface PdfSignature {
  valid: boolean;
  trusted: boolean;
  kind: string;
  field: string;
  sub_filter: string;
  signer: Signer;
  name: string;
  reason: string;
  page: number;
  signed_at: IsoTime;
  byte_range: number[];
  covers_whole_document: boolean;
  modified_after: boolean;
  seal?: { picture: { type: PictureType; data: Base64 } };
  errors: string[];
}

export type BatchItem =
  | { hash: BinaryLike; hashAlg?: HashAlg }
  | { document: string | { document: string }; seal: string; placement: Placement; reason?: string };

export type BatchResult = { signature: Base64 } | PdfSignResult | { error: ErrorInfo };

export type HashAlg = 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SM3';

// ---------------------------------------------------------------------------------------------
// JSON-RPC methods (params as sent on the wire, results as received)

interface PinParams {
  pin?: string;
  confirm_final_try?: boolean;
}

export interface RpcMethods {
  'system.info': { params: Record<string, never>; result: SystemInfo };
  'system.diagnose': { params: Record<string, never>; result: { version: string; ok: boolean; findings: Finding[] } };
  'token.list': { params: Record<string, never>; result: { tokens: Token[] } };
  'cert.list': { params: { token: string }; result: { certificates: Certificate[] } };
  'events.subscribe': { params: Record<string, never>; result: { subscribed: boolean; events: string[] } };
  'seal.inspect': { params: { der: Base64; at?: IsoTime }; result: Seal };
  'seal.list': { params: { token: string } & PinParams; result: { seals: Seal[] } };
  'seal.write': {
    params: { token: string; seal: Base64; pin: string; confirm_final_try?: boolean };
    result: { seal: Seal; replaced: string | null; unchanged: boolean };
  };
  'cert.csr': {
    params: { token: string; key_type: KeyType; subject?: string | Record<string, string>; pin: string; confirm_final_try?: boolean };
    result: { csr: string; der: Base64; key_id: string };
  };
  'cert.write': {
    params: { token: string; cert: string; pin: string; confirm_final_try?: boolean };
    result: { certificate: Certificate; replaced: string | null; unchanged: boolean };
  };
  'sign.hash': {
    params: { token: string; cert: string; hash?: Base64; data?: Base64; hash_alg?: HashAlg; scheme?: 'PKCS1' | 'PSS'; encoding?: 'der' | 'raw' } & PinParams;
    result: { signature: Base64; algorithm: string; encoding: 'der' | 'raw' };
  };
  'sign.cms': {
    params: { token: string; cert: string; data?: Base64; hash?: Base64; hash_alg?: HashAlg; detached?: boolean } & PinParams;
    result: { cms: Base64; detached: boolean };
  };
  'sign.seal': {
    params: { token: string; seal: string; data_hash: Base64; property_info?: string; cert?: string } & PinParams;
    result: { signed_value: Base64; version: 4 | 1; signed_at: IsoTime };
  };
  'sign.verify': { params: { signature: Base64; data?: Base64 }; result: VerifyResult };
  'pdf.sign': {
    params: { token: string; seal: string; document: string; placement: Placement; cert?: string; reason?: string; location?: string; operation?: string } & PinParams;
    result: PdfSignResult;
  };
  'pdf.verify': { params: { document: string }; result: { signatures: PdfSignature[] } };
  'sign.batch': {
    params: { token: string; cert?: string; items: unknown[]; operation?: string } & PinParams;
    result: { results: BatchResult[] };
  };
  'sign.cancel': { params: { operation: string }; result: { cancelled: boolean } };
  /** Only for the tray and the daemon's own pages: portals get ORIGIN_NOT_ALLOWED. */
  'update.check': { params: Record<string, never>; result: UpdateCheckResult };
  /** Only for the tray and the daemon's own pages; the daemon never runs the installer. */
  'update.download': {
    params: Record<string, never>;
    result: { version: string; path: string; size: number; sha256: string };
  };
}

export interface UpdateCheckResult {
  current: string;
  latest: string;
  available: boolean;
  status: 'update_available' | 'up_to_date' | 'older_than_running';
  notes: string;
  url: string;
  size: number;
  sha256: string;
  serial: number;
  expires: IsoTime;
}

export type RpcMethod = keyof RpcMethods;

// ---------------------------------------------------------------------------------------------
// Connection state and events

/**
 * idle: not connected and not trying (before connect(), or after one failed without retry).
 * connecting: the first connect is under way. open: calls go through. reconnecting: the
 * connection was lost (or a connect({retry: true}) failed) and the SDK tries again by itself.
 * closed: close() was called; final.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';
export type Transport = 'websocket' | 'http';

export interface ConnectionEvent {
  state: ConnectionState;
  /** Set when state is 'open'. */
  transport: Transport | null;
  /** Why: on 'reconnecting' (CONNECTION_LOST, then each failed attempt's code) and on 'idle'. */
  error?: SealBridgeError;
  /** On 'reconnecting': ms until the next attempt. */
  retryInMs?: number;
}

export interface SealBridgeEvents {
  connection: ConnectionEvent;
  'token.inserted': { token: Token };
  'token.removed': { token: Token };
  'seal.changed': { token: string; seal: Seal; es_id: string; replaced: string | null };
  'cert.changed': { token: string; certificate: string; replaced: string | null };
  'sign.progress': SignProgress;
}

export type SealBridgeEvent = keyof SealBridgeEvents;

/**
 * How far a signing is. A batch sends {operation?, done, total} after each item; a PDF sends
 * {operation?, stage} with stage 'writing', 'hashing' (with done/total bytes) and 'signing'.
 */
export interface SignProgress {
  operation?: string;
  stage?: 'writing' | 'hashing' | 'signing';
  done?: number;
  total?: number;
}

export interface ProbeResult {
  /** The page can use the service. Test this. */
  ok: boolean;
  /** null when ok. */
  reason: null | UnavailableReason | 'TIMEOUT' | DaemonErrorCode;
  /** Kept for older pages: the service answered at all, even to refuse (ORIGIN_NOT_ALLOWED). */
  reachable: boolean;
  /** The service's version when ok. */
  version: string | null;
  message_zh: string;
  message_en: string;
  detail: string | null;
}

// ---------------------------------------------------------------------------------------------
// The client

export interface SealBridgeOptions {
  port?: number;
  host?: string;
  secure?: boolean;
  timeoutMs?: number;
  signTimeoutMs?: number;
  transferTimeoutMs?: number;
  transport?: 'auto' | Transport;
  pollMs?: number;
}

export interface ConnectOptions {
  /** Keep trying in the background when this first connect fails. */
  retry?: boolean;
}

export interface CallOptions {
  timeoutMs?: number;
}

export interface SignOptions extends CallOptions {
  /** Only when the administrator set pin_from_page for this origin. */
  pin?: string;
  confirmFinalTry?: boolean;
}

export declare class SealBridge {
  constructor(options?: SealBridgeOptions);
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly state: ConnectionState;
  readonly connectedTransport: Transport | null;

  on<E extends SealBridgeEvent>(event: E, fn: (payload: SealBridgeEvents[E]) => void): this;
  off<E extends SealBridgeEvent>(event: E, fn: (payload: SealBridgeEvents[E]) => void): this;

  connect(options?: ConnectOptions): Promise<{ transport: Transport; info?: SystemInfo }>;
  close(): void;
  probe(): Promise<ProbeResult>;

  /** Any method of RpcMethods, typed; params may be left out for the methods that take none. */
  call<M extends RpcMethod>(
    method: M,
    ...args: Record<string, never> extends RpcMethods[M]['params']
      ? [params?: RpcMethods[M]['params'], options?: CallOptions]
      : [params: RpcMethods[M]['params'], options?: CallOptions]
  ): Promise<RpcMethods[M]['result']>;

  info(): Promise<SystemInfo>;
  diagnose(): Promise<RpcMethods['system.diagnose']['result']>;
  tokens(): Promise<{ tokens: Token[] }>;
  certificates(token: string): Promise<{ certificates: Certificate[] }>;
  seals(token: string, options?: SignOptions): Promise<{ seals: Seal[] }>;

  signHash(
    token: string,
    cert: string,
    options: SignOptions & { hash?: BinaryLike; data?: BinaryLike; hashAlg?: HashAlg; scheme?: 'PKCS1' | 'PSS'; encoding?: 'der' | 'raw' },
  ): Promise<RpcMethods['sign.hash']['result']>;
  signCms(
    token: string,
    cert: string,
    options: SignOptions & { data?: BinaryLike; hash?: BinaryLike; hashAlg?: HashAlg; detached?: boolean },
  ): Promise<RpcMethods['sign.cms']['result']>;
  signSeal(
    token: string,
    seal: string,
    options: SignOptions & { dataHash: BinaryLike; propertyInfo?: string; cert?: string },
  ): Promise<RpcMethods['sign.seal']['result']>;
  verifySignature(signature: BinaryLike, options?: CallOptions & { data?: BinaryLike }): Promise<VerifyResult>;
  signPdf(
    token: string,
    seal: string,
    document: string | { document: string },
    placement: Placement,
    options?: SignOptions & { cert?: string; reason?: string; location?: string; operation?: string; onProgress?: (p: SignProgress) => void },
  ): Promise<PdfSignResult>;
  cancelSigning(operation: string): Promise<{ cancelled: boolean }>;
  verifyPdf(document: string | { document: string }, options?: CallOptions): Promise<{ signatures: PdfSignature[] }>;
  signBatch(
    token: string,
    items: BatchItem[],
    options?: SignOptions & { cert?: string; operation?: string; onProgress?: (p: SignProgress) => void },
  ): Promise<{ results: BatchResult[] }>;

  uploadDocument(
    bytes: Blob | ArrayBuffer | ArrayBufferView,
    options?: CallOptions & { name?: string; type?: 'application/pdf' | 'application/ofd' | 'application/octet-stream' },
  ): Promise<DocumentInfo>;
  downloadDocument(document: string | { document: string }, options?: CallOptions): Promise<Blob>;
  deleteDocument(document: string | { document: string }, options?: CallOptions): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Constants and helpers

export declare const DEFAULT_PORT: 16116;
export declare const DEFAULT_SIGN_TIMEOUT_MS: number;
export declare const DEFAULT_TRANSFER_TIMEOUT_MS: number;
export declare const SDK_VERSION: string;

export declare const SEAL_TYPES: Readonly<{
  1: Readonly<{ zh: '单位印章'; en: 'organisation seal' }>;
  2: Readonly<{ zh: '个人印章'; en: 'personal seal' }>;
}>;
export declare const PICTURE_TYPES: Readonly<{
  PNG: 'image/png';
  JPG: 'image/jpeg';
  JPEG: 'image/jpeg';
  GIF: 'image/gif';
  BMP: 'image/bmp';
  SVG: 'image/svg+xml';
  OFD: 'application/ofd';
}>;

export declare function sealTypeName(type: number, lang?: 'zh' | 'en'): string;
export declare function pictureMimeType(picture: { type: string } | string): string | null;
export declare function sealPictureUrl(picture: { type: string; data: string }): string | null;
export declare function sealPictureSize(picture: { width_mm?: number; height_mm?: number }): { width: string; height: string };
export declare function formatBeijingTime(time: string | Date | null | undefined, options?: { seconds?: boolean; dateOnly?: boolean }): string;
