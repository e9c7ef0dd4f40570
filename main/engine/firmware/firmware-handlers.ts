/** The firmware.* methods of the RPC contract. */

import { FIRMWARE_CHUNK_BYTES } from '../../../common/firmware-contract';
import { RpcError } from '../../../common/protocol';
import type { RequestHandlers } from '../rpc/rpc-server';
import { linkCatalog } from './firmware-catalog';
import type { FirmwareLibrary } from './firmware-library';
import { FirmwareUploads } from './firmware-uploads';

type FirmwareMethods =
  | 'firmware.list'
  | 'firmware.import'
  | 'firmware.import.begin'
  | 'firmware.import.chunk'
  | 'firmware.import.finish'
  | 'firmware.remove'
  | 'firmware.catalog'
  | 'firmware.keys.list'
  | 'firmware.keys.add'
  | 'firmware.keys.remove';

export function createFirmwareHandlers(
  library: FirmwareLibrary,
  /** the down-synced firmware catalog document, if one arrived */
  catalog: () => Promise<unknown> | unknown,
): Pick<RequestHandlers, FirmwareMethods> {
  const uploads = new FirmwareUploads();
  const importBytes = async (bytes: Uint8Array, fileName: string) => {
    const result = await library.import(bytes, fileName);
    if (!result.ok)
      throw new RpcError('INVALID_PARAMS', `Refused: ${result.reason}`, { refusal: result.code });
    return result.value;
  };
  return {
    'firmware.list': () => library.list(),
    'firmware.import': ({ fileName, dataBase64 }) => importBytes(decode(dataBase64), fileName),
    'firmware.import.begin': ({ fileName, size }) => ({
      uploadId: uploads.begin(fileName, size),
      chunkBytes: FIRMWARE_CHUNK_BYTES,
    }),
    'firmware.import.chunk': ({ uploadId, offset, dataBase64 }) => ({
      received: uploads.chunk(uploadId, offset, decode(dataBase64)),
    }),
    'firmware.import.finish': ({ uploadId }) => {
      const { fileName, bytes } = uploads.finish(uploadId);
      return importBytes(bytes, fileName);
    },
    'firmware.remove': async ({ sha256 }) => {
      await library.remove(sha256);
      return { ok: true };
    },
    'firmware.catalog': async () => linkCatalog(await catalog(), library.hashes()),
    'firmware.keys.list': () => library.keys(),
    'firmware.keys.add': ({ name, pem }) => library.addKey(name, pem),
    'firmware.keys.remove': ({ id }) => {
      library.removeKey(id);
      return { ok: true };
    },
  };
}

function decode(base64: string): Uint8Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
