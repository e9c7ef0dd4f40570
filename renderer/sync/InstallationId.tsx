/**
 * This installation's identity (engine.info), with a copy button: what a cloud operator
 * needs to tell this site's events apart from another's (CloudEvents source
 * urn:fieldline:installation:<id>). A recreated data folder is a new installation.
 */
import { useEffect, useRef, useState } from 'react';
import { engine } from '../rpc/engine';
import { errorMessage } from '../tools/use-poll';

export function InstallationId() {
  const [id, setId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const text = useRef<HTMLElement>(null);
  useEffect(() => {
    let live = true;
    engine()
      .request('engine.info')
      .then(
        (info) => live && setId(info.installationId),
        (e: unknown) => live && setError(errorMessage(e)),
      );
    return () => {
      live = false;
    };
  }, []);

  const copy = () => {
    if (id === null) return;
    navigator.clipboard.writeText(id).then(
      () => setCopied('yes'),
      () => {
        // no clipboard permission: select the id so Ctrl+C takes it
        const range = document.createRange();
        if (text.current) range.selectNodeContents(text.current);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
        setCopied('no');
      },
    );
  };

  if (error) return <p className="muted small">Installation id unavailable: {error}</p>;
  if (id === null) return null;
  return (
    <p className="installation-id muted" data-testid="installation">
      This installation:{' '}
      <code
        ref={text}
        className="fingerprint"
        data-testid="installation-id"
        title={`CloudEvents source urn:fieldline:installation:${id}`}
      >
        {id}
      </code>{' '}
      <button type="button" className="small-button" onClick={copy} data-testid="copy-installation-id">
        Copy
      </button>{' '}
      <span role="status" className="small">
        {copied === 'yes' ? 'copied' : copied === 'no' ? 'selected: press Ctrl+C to copy' : ''}
      </span>
    </p>
  );
}
