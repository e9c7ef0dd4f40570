/**
 * The engine as its hosts see it. Hosts (Electron utilityProcess, headless Node process,
 * tests) create one engine and hand it a MessageTransport per client; everything else
 * travels over the RPC contract in common/contract.ts.
 */
import type { EngineInfo } from '../../common/contract';
import type { MessageTransport } from '../../common/protocol';
import type { NobleBindingSource } from './connectors/factories';
import type { Logger } from './log';
import type { MasterKey } from './secrets/master-key';

export interface EngineOptions {
  /** folder for the SQLite cache; created if missing */
  dataDir: string;
  /** run the built-in demo site of simulated devices */
  demo: boolean;
  host: EngineInfo['host'];
  log: Logger;
  /** folder holding profiles/ and demo-site.json; found from the code's location by default */
  resourcesDir?: string;
  /** a demo site definition to run instead of the resources folder's demo-site.json (--demo-site) */
  demoSiteFile?: string;
  /**
   * Seals secrets at rest (CA key, device PSKs, broker passwords). The desktop host passes
   * the key it keeps with Electron safeStorage; without one, `<dataDir>/master.key` (0600)
   * is used, created on first start.
   */
  masterKey?: MasterKey;
  /** how the master key is protected, shown in the Credentials panel */
  masterKeyProtection?: string;
  /** BLE connectors use this noble binding instead of the machine's adapter (--simulated-ble) */
  bleBinding?: NobleBindingSource;
}

export interface Engine {
  info(): EngineInfo;
  /** serve one client over a transport; returns a function that detaches it */
  connect(transport: MessageTransport): () => void;
  close(): Promise<void>;
}
