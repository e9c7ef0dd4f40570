/**
 * "What would this rule have done?": the draft (saved or not) through the engine's real
 * state machine over stored history, before anyone trusts it. The result is summarised
 * here, listed, and handed up so the preview chart shades the would-have-fired episodes;
 * the shared chart window moves to the backtested range so they are in view.
 */
import { useState } from 'react';
import type { BacktestResult, Rule } from '../../common/alarm-contract';
import { formatDateTime } from '../format';
import { engine } from '../rpc/engine';
import { chartWindow } from '../state/chart-window';
import { errorMessage } from '../tools/use-poll';
import { severityWord } from './alarm-words';
import { type AnalysisRange, backtestBasis, backtestSummary, rangeMs } from './analysis-words';
import { RangePicker } from './RangePicker';

const LISTED = 20;

export function BacktestPanel({
  rule,
  result,
  onResult,
}: {
  rule: Rule | null;
  result: BacktestResult | null;
  onResult(result: BacktestResult | null): void;
}) {
  const [range, setRange] = useState<AnalysisRange>('24h');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = () => {
    if (!rule) return;
    const to = Date.now();
    const span = rangeMs(range);
    setRunning(true);
    setError(null);
    onResult(null);
    engine()
      .request('alarms.rules.backtest', { rule, from: to - span, to })
      .then(
        (r) => {
          setRunning(false);
          onResult(r);
          chartWindow.preset(span);
        },
        (err: unknown) => {
          setRunning(false);
          setError(`The backtest did not run: ${errorMessage(err)}`);
        },
      );
  };

  return (
    <section className="backtest" aria-labelledby="backtest-title" data-testid="backtest">
      <div className="toolbar">
        <h3 id="backtest-title" className="rule-section">
          Backtest
        </h3>
        <RangePicker value={range} onChange={setRange} testId="backtest-range" />
        <button
          type="button"
          disabled={!rule || running}
          onClick={run}
          data-testid="backtest-run"
          title={rule ? 'run this draft over stored history' : 'complete the rule first'}
        >
          {running ? 'Backtesting…' : 'Backtest'}
        </button>
        {running && (
          <span className="muted small" role="status">
            judging stored history…
          </span>
        )}
      </div>
      {!rule && <p className="muted small">Complete the rule to backtest it.</p>}
      {error && (
        <p className="form-error" role="alert" data-testid="backtest-error">
          {error}
        </p>
      )}
      {result && (
        <div role="status" aria-live="polite">
          <p data-testid="backtest-summary">
            <strong>{backtestSummary(result)}</strong>
            <span className="muted small"> · {backtestBasis(result)}</span>
          </p>
          <p className="muted small">
            Nobody acknowledges in a backtest: a latching alarm stays active to the end of the range.
          </p>
          {result.episodes.length > 0 && (
            <div className="table-box backtest-episodes">
              <table className="grid" data-testid="backtest-episodes">
                <thead>
                  <tr>
                    <th scope="col">Device</th>
                    <th scope="col">Fired</th>
                    <th scope="col">Cleared</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Chattering</th>
                  </tr>
                </thead>
                <tbody>
                  {result.episodes.slice(-LISTED).map((e) => (
                    <tr key={`${e.deviceId}\n${e.start}`}>
                      <td>{e.deviceId}</td>
                      <td>{formatDateTime(e.start)}</td>
                      <td>{e.end === null ? 'still active' : formatDateTime(e.end)}</td>
                      <td>{severityWord(e.severity)}</td>
                      <td>{e.chattering ? 'yes' : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {result.episodes.length > LISTED && (
                <p className="muted small">
                  the latest {LISTED} of {result.episodes.length} episodes
                </p>
              )}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
