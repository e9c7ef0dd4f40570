/**
 * A device's side of HTTPS image delivery, for the simulated fleet and tests: one GET with
 * the device's project-CA certificate, optionally cut after some bytes the way a dropped
 * Wi-Fi link cuts it.
 */
import { request } from 'node:https';

export interface DeviceTls {
  certificatePem: string;
  privateKeyPem: string;
  caPem: string;
}

export type ImageResponse =
  | { ok: true; status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }
  | { ok: false; error: string; received: Buffer };

export function getImage(
  url: string,
  tls: Partial<DeviceTls> & { caPem: string },
  options: { headers?: Record<string, string>; method?: string; cutAfterBytes?: number } = {},
): Promise<ImageResponse> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (outcome: ImageResponse) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const fail = (error: Error) =>
      finish({ ok: false, error: error.message, received: Buffer.concat(parts) });
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: tls.caPem,
        ...(tls.certificatePem ? { cert: tls.certificatePem, key: tls.privateKeyPem } : {}),
        rejectUnauthorized: true,
        agent: false,
        timeout: 5000,
      },
      (res) => {
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          const cut = options.cutAfterBytes;
          if (cut !== undefined && received + chunk.length >= cut) {
            parts.push(chunk.subarray(0, cut - received));
            received = cut;
            // settled before the socket goes: a body already read whole would otherwise still 'end'
            fail(new Error('connection cut'));
            req.destroy();
            return;
          }
          parts.push(chunk);
          received += chunk.length;
        });
        res.on('end', () =>
          finish({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
        );
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', fail);
    req.end();
  });
}
