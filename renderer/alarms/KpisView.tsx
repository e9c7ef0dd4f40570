/**
 * #/alarms/kpis: how the alarm system is doing for the operator, after ISA-18.2 §16 and
 * EEMUA 191: the alarm rate against the target of 1 per 10 minutes, the peak, time in
 * flood, the top-10 bad actors, chattering, stale, shelved and out-of-service counts,
 * annunciations by severity and time to acknowledge. Re-asked every 30 s.
 */
import { useState } from 'react';
import type { AlarmKpis } from '../../common/alarm-contract';
import { formatCount } from '../format';
import { hrefFor } from '../router';
import { engine } from '../rpc/engine';
import { LoadError } from '../tools/PageNotices';
import { usePoll } from '../tools/use-poll';
import { severityWord } from './alarm-words';
import { type AnalysisRange, kpiRows, rangeMs, rateVerdict, rateVerdictText } from './analysis-words';
import { RangePicker } from './RangePicker';

const REFRESH_MS = 30_000;

function Figures({ kpis }: { kpis: AlarmKpis }) {
  const verdict = rateVerdict(kpis.perTenMinutes);
  const severities = Object.entries(kpis.bySeverity).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <p className={`kpi-verdict kpi-${verdict}`} data-testid="kpi-verdict">
        {rateVerdictText(verdict)}
      </p>
      <div className="kpi-grid">
        <table className="grid kv" data-testid="kpi-table">
          <caption>Alarm system performance</caption>
          <tbody>
            {kpiRows(kpis).map((r) => (
              <tr key={r.testId}>
                <th scope="row">{r.label}</th>
                <td data-testid={r.testId}>{r.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid kv" data-testid="kpi-severity">
          <caption>Alarms by severity</caption>
          <tbody>
            {severities.length === 0 && (
              <tr>
                <td>none in this period</td>
              </tr>
            )}
            {severities.map(([severity, count]) => (
              <tr key={severity}>
                <th scope="row">{severity === 'none' ? 'none' : severityWord(severity as never)}</th>
                <td>{formatCount(count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 className="section-title">Top 10 bad actors</h2>
      {kpis.topBadActors.length === 0 ? (
        <p className="empty">No alarms in this period.</p>
      ) : (
        <div className="table-box">
          <table className="grid" data-testid="kpi-bad-actors">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Device</th>
                <th scope="col">Alarms</th>
              </tr>
            </thead>
            <tbody>
              {kpis.topBadActors.map((a) => (
                <tr key={`${a.ruleId}\n${a.deviceId}`}>
                  <td>
                    <a href={hrefFor({ name: 'alarm-rules', ruleId: a.ruleId })}>{a.ruleId}</a>
                  </td>
                  <td>{a.deviceId}</td>
                  <td>{formatCount(a.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function KpisView() {
  const [range, setRange] = useState<AnalysisRange>('24h');
  const [reload, setReload] = useState(0);
  const { data, error } = usePoll(
    () => {
      const to = Date.now();
      return engine().request('alarms.kpis', { from: to - rangeMs(range), to });
    },
    REFRESH_MS,
    `${range}:${reload}`,
  );
  return (
    <section className="page alarm-kpis-page" data-testid="alarm-kpis-page">
      <div className="page-head">
        <h1>Alarm KPIs</h1>
        <RangePicker value={range} onChange={setRange} testId="kpi-range" />
        <a className="page-head-link" href={hrefFor({ name: 'alarms' })}>
          ← Alarms
        </a>
      </div>
      <LoadError what="the alarm KPIs" error={error} onRetry={() => setReload((n) => n + 1)} />
      {data ? <Figures kpis={data} /> : !error && <p className="muted">loading…</p>}
    </section>
  );
}
