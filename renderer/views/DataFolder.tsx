/**
 * Which data folder the engine works on, so nobody mistakes the demo's data for their
 * site's: a "Demo data" badge in the navigation while the demo runs (it has a folder of
 * its own), and the folder itself on the storage page. Asked again on every connection,
 * since a restarted engine may have been started the other way.
 */
import { useEffect, useState } from 'react';
import type { EngineInfo } from '../../common/contract';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { useConnection } from '../state/connection';

function useEngineInfo(): EngineInfo | null {
  const epoch = useConnection((s) => s.epoch);
  const [info, setInfo] = useState<EngineInfo | null>(null);
  useEffect(() => {
    if (epoch === 0) return;
    let live = true;
    engine()
      .request('engine.info')
      .then(
        (i) => live && setInfo(i),
        () => {},
      );
    return () => {
      live = false;
    };
  }, [epoch]);
  return info;
}

export const DEMO_DATA_LABEL = 'Demo data (separate folder)';

export function DemoDataBadge() {
  const info = useEngineInfo();
  if (!info?.demo) return null;
  return (
    <a
      className="nav-demo"
      href={hrefFor({ name: 'storage' })}
      data-testid="demo-data-badge"
      title={`${DEMO_DATA_LABEL}: ${info.dataDir}. Start with --no-demo to work on your site's own data.`}
    >
      demo
    </a>
  );
}

export function DataFolderRow() {
  const info = useEngineInfo();
  if (!info) return null;
  return (
    <tr>
      <th scope="row">Data folder</th>
      <td className="num" data-testid="data-folder">
        <span className="mono">{info.dataDir}</span>
        {info.demo && (
          <>
            <br />
            <strong>{DEMO_DATA_LABEL}</strong>{' '}
            <span className="muted">— your site's data is not touched; start with --no-demo to use it</span>
          </>
        )}
      </td>
    </tr>
  );
}
