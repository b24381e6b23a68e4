// A typed portal module: what a TypeScript portal writes against the npm package. The tests
// compile it with `tsc --strict --noEmit` after installing the packed package; the lines
// marked as expected errors must stay errors, so the declarations cannot become `any`.
import {
  SealBridge,
  SealBridgeError,
  formatBeijingTime,
  sealPictureSize,
  sealPictureUrl,
  sealTypeName,
  type Certificate,
  type ConnectionEvent,
  type ProbeResult,
  type Seal,
} from 'sealbridge';

const sb = new SealBridge({ timeoutMs: 10000, transport: 'auto' });

export async function sealsOfFirstKey(): Promise<Seal[]> {
  const { tokens } = await sb.tokens();
  if (tokens.length === 0) return [];
  const { seals } = await sb.seals(tokens[0].id);
  return seals.filter((s) => s.verification.ok);
}

export function describeSeal(seal: Seal): string {
  const size = sealPictureSize(seal.picture);
  const url: string | null = sealPictureUrl(seal.picture);
  return `${seal.name} ${sealTypeName(seal.type)} ${formatBeijingTime(seal.valid_end)} ${size.width} ${url ?? ''}`;
}

export async function expiring(): Promise<Certificate[]> {
  const { tokens } = await sb.tokens();
  const lists = await Promise.all(tokens.map((t) => sb.certificates(t.id)));
  return lists.flatMap((l) => l.certificates).filter((c) => c.days_left <= 30 && c.private_key !== 'absent');
}

export async function why(): Promise<string> {
  const probe: ProbeResult = await sb.probe();
  if (probe.ok) return `SealBridge ${probe.version ?? '?'}`;
  switch (probe.reason) {
    case 'DAEMON_UNREACHABLE':
    case 'BROWSER_BLOCKED':
    case 'ORIGIN_NOT_ALLOWED':
      return probe.message_zh;
    default:
      return `${probe.reason}: ${probe.message_en}`;
  }
}

sb.on('connection', (event: ConnectionEvent) => {
  if (event.state === 'reconnecting' && event.error) console.log(event.error.code, event.retryInMs);
});
sb.on('token.removed', ({ token }) => console.log(token.serial));
sb.on('seal.changed', ({ seal, replaced }) => console.log(seal.es_id, replaced));

export async function signWithCompanySeal(file: File): Promise<Blob> {
  const { tokens } = await sb.tokens();
  const token = tokens[0].id;
  const { seals } = await sb.seals(token);
  const seal = seals.find((s) => s.type === 1) ?? seals[0];
  const uploaded = await sb.uploadDocument(file, { name: file.name });
  try {
    const signed = await sb.signPdf(token, seal.id, uploaded, { keyword: '盖章', width_mm: 40 }, { reason: '投标' });
    return await sb.downloadDocument(signed);
  } catch (e) {
    if (e instanceof SealBridgeError && e.code === 'PIN_INCORRECT') console.log(e.triesLeft);
    throw e;
  } finally {
    await sb.deleteDocument(uploaded);
  }
}

export async function typedCall(): Promise<string> {
  const info = await sb.call('system.info');
  const { certificates } = await sb.call('cert.list', { token: 'abc' });
  return `${info.version} ${certificates.length}`;
}

export function misuses(): void {
  // @ts-expect-error: not a connection state
  const state: ConnectionEvent['state'] = 'opened';
  // @ts-expect-error: cert.list needs a token
  void sb.call('cert.list', {});
  // @ts-expect-error: no such event
  sb.on('token.plugged', () => {});
  // @ts-expect-error: placement needs page, x_mm and y_mm together
  void sb.signPdf('t', 's', 'd', { page: 1 });
  // @ts-expect-error: probe().ok is a boolean
  const ok: string = ({} as ProbeResult).ok;
  void state;
  void ok;
}
