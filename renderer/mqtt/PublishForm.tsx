/** Publishes one message through the connector's own broker connection. */
import { type FormEvent, useEffect, useState } from 'react';
import { engine } from '../rpc/engine';
import { Field } from '../tools/Field';
import { errorMessage } from '../tools/use-poll';

export function PublishForm({
  connectorId,
  initialTopic,
}: {
  connectorId: string;
  initialTopic: string | null;
}) {
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [qos, setQos] = useState<0 | 1 | 2>(0);
  const [retain, setRetain] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  // selecting a topic in the tree fills the topic field, for answering a device
  useEffect(() => {
    if (initialTopic) setTopic(initialTopic);
  }, [initialTopic]);

  const publish = (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    engine()
      .request('mqtt.publish', { connectorId, topic, payload, qos, retain })
      .then(
        (r) =>
          setResult(
            r.ok ? { ok: true, text: `Published to ${topic}` } : { ok: false, text: 'Not published' },
          ),
        (e: unknown) => setResult({ ok: false, text: errorMessage(e) }),
      );
  };

  return (
    <form className="publish-form panel" data-testid="publish-form" onSubmit={publish} aria-label="Publish">
      <h2 className="section-title">Publish</h2>
      <Field label="Topic">
        <input
          data-testid="publish-topic"
          className="mono"
          value={topic}
          onChange={(e) => setTopic(e.target.value)}
        />
      </Field>
      <Field label="Payload">
        <textarea
          data-testid="publish-payload"
          className="mono"
          rows={3}
          value={payload}
          onChange={(e) => setPayload(e.target.value)}
        />
      </Field>
      <div className="form-actions">
        <label>
          QoS{' '}
          <select value={qos} onChange={(e) => setQos(Number(e.target.value) as 0 | 1 | 2)}>
            <option value={0}>0</option>
            <option value={1}>1</option>
            <option value={2}>2</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={retain} onChange={(e) => setRetain(e.target.checked)} /> Retain
        </label>
        <button type="submit" className="primary" data-testid="publish-submit" disabled={topic === ''}>
          Publish
        </button>
      </div>
      {result && (
        <div
          className={`notice ${result.ok ? 'notice-ok' : 'notice-error'}`}
          role="status"
          data-testid="publish-result"
        >
          {result.text}
        </div>
      )}
    </form>
  );
}
