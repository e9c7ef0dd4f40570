/** The image server's address and port as typed in the Rollouts view; an empty address turns it off. */
import { type ImageServerConfig, ImageServerConfigSchema } from '../../common/rollout-contract';

export type ImageServerFields =
  | { ok: true; value: ImageServerConfig | null }
  | { ok: false; field: 'host' | 'port'; error: string };

const PORT_ERROR = { ok: false, field: 'port', error: 'a whole number from 1 to 65535' } as const;

export function parseImageServerFields(host: string, port: string): ImageServerFields {
  const h = host.trim();
  if (h === '') return { ok: true, value: null };
  const p = port.trim();
  if (!/^\d{1,5}$/.test(p)) return PORT_ERROR;
  const parsed = ImageServerConfigSchema.safeParse({ host: h, port: Number(p) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.path[0] === 'port') return PORT_ERROR;
    return { ok: false, field: 'host', error: issue?.message ?? 'an IP address or a DNS name' };
  }
  return { ok: true, value: parsed.data };
}
