/**
 * Commissioning reports: a printable HTML page (the browser's Print → PDF makes the PDF)
 * and a CSV, for one device or a whole batch. Everything in them came from a device or a
 * person, so every value is escaped (HTML) or guarded against formula injection (CSV).
 */
import { COMMISSIONING_STEPS, type CommissioningSession } from '../../../common/commissioning-contract';
import { csvRow } from '../reports/csv';

export const REPORT_COLUMNS = [
  'device_id',
  'name',
  'status',
  'serial_number',
  'model',
  'hardware_version',
  'firmware_version',
  'mac',
  'site',
  'profile',
  'tags',
  'credential_kind',
  'credential_fingerprint',
  'certificate_serial',
  'certificate_expires',
  'wifi_ssid',
  'broker_url',
  'config_verified',
  ...COMMISSIONING_STEPS.map((s) => `step_${s}`),
  'first_telemetry_at',
  'heartbeat_at',
  'readings_seen',
  'technician',
  'started_at',
  'finished_at',
  'notes',
  'session_id',
  'batch_id',
] as const;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

function stepResult(s: CommissioningSession, step: (typeof COMMISSIONING_STEPS)[number]): string {
  const st = s.steps[step];
  if (st.state === 'failed') return `failed: ${st.error ?? ''}`;
  return st.state === 'done' ? `passed ${iso(st.at)}` : st.state;
}

function values(s: CommissioningSession): (string | number)[] {
  const finished = s.status === 'done' ? s.steps.record.at : null;
  return [
    s.details?.deviceId ?? '',
    s.details?.name ?? '',
    s.status,
    s.identity?.serialNumber ?? '',
    s.identity?.model ?? '',
    s.identity?.hardwareVersion ?? '',
    s.identity?.firmwareVersion ?? '',
    s.identity?.mac ?? '',
    s.details?.site ?? '',
    s.details?.profile ?? '',
    (s.details?.tags ?? []).join(' '),
    s.credentials?.kind ?? '',
    s.credentials?.fingerprint ?? '',
    s.credentials?.serialHex ?? '',
    iso(s.credentials?.notAfter),
    s.network?.ssid ?? '',
    s.network?.brokerUrl ?? '',
    s.network ? String(s.network.verified) : '',
    ...COMMISSIONING_STEPS.map((step) => stepResult(s, step)),
    iso(s.verify?.firstTelemetryAt),
    iso(s.verify?.heartbeatAt),
    s.verify?.readings ?? 0,
    s.technician,
    iso(s.createdAt),
    iso(finished),
    s.notes,
    s.id,
    s.batchId ?? '',
  ];
}

export function reportCsv(sessions: readonly CommissioningSession[]): string {
  return csvRow([...REPORT_COLUMNS]) + sessions.map((s) => csvRow(values(s))).join('');
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function deviceSection(s: CommissioningSession): string {
  const row = values(s);
  const cells = REPORT_COLUMNS.map(
    (name, i) =>
      `<tr><th>${escapeHtml(name.replaceAll('_', ' '))}</th><td>${escapeHtml(String(row[i] ?? ''))}</td></tr>`,
  ).join('');
  const passed = s.status === 'done';
  return `<section class="device">
<h2>${escapeHtml(s.details?.name ?? 'unnamed device')} <small>${escapeHtml(s.details?.deviceId ?? '')}</small>
<span class="${passed ? 'pass' : 'fail'}">${passed ? 'COMMISSIONED' : escapeHtml(s.status.toUpperCase())}</span></h2>
<table>${cells}</table>
</section>`;
}

export function reportHtml(
  sessions: readonly CommissioningSession[],
  title: string,
  generatedAt = Date.now(),
): string {
  const done = sessions.filter((s) => s.status === 'done').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
body { font: 12px/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18px; } h2 { font-size: 14px; margin: 1.5em 0 .5em; }
small { color: #555; font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; word-break: break-all; }
th { width: 14em; background: #f4f4f4; font-weight: 600; }
.pass { color: #0a6b2b; margin-left: 1em; } .fail { color: #a01818; margin-left: 1em; }
section.device { page-break-inside: avoid; }
@media print { body { margin: 0; } }
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Generated ${escapeHtml(iso(generatedAt))} by Fieldline. ${done} of ${sessions.length} device(s) commissioned.</p>
${sessions.map(deviceSection).join('\n')}
</body></html>
`;
}
