/**
 * Sends a firmware file to the engine in chunks the engine names (an RPC message must stay
 * under the headless host's 1 MiB limit), reporting progress after each, then asks it to
 * verify and keep the image. The engine refuses a bad image at finish, with the reason.
 */
import type { FirmwareImportResult } from '../../common/firmware-contract';
import type { RpcClient } from '../rpc/client';

/** base64 without Node's Buffer; built in slices so a big chunk does not overflow the call stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

export async function importImage(
  client: Pick<RpcClient, 'request'>,
  fileName: string,
  bytes: Uint8Array,
  onProgress: (sent: number, total: number) => void,
): Promise<FirmwareImportResult> {
  const { uploadId, chunkBytes } = await client.request('firmware.import.begin', {
    fileName,
    size: bytes.length,
  });
  let offset = 0;
  onProgress(0, bytes.length);
  while (offset < bytes.length) {
    const chunk = bytes.subarray(offset, offset + chunkBytes);
    const { received } = await client.request('firmware.import.chunk', {
      uploadId,
      offset,
      dataBase64: toBase64(chunk),
    });
    offset = received;
    onProgress(offset, bytes.length);
  }
  return client.request('firmware.import.finish', { uploadId });
}
