/** "over the last 24 h / 7 d / 30 d": the period a backtest or the KPIs look at. */
import { ANALYSIS_RANGES, type AnalysisRange } from './analysis-words';

export function RangePicker(props: {
  value: AnalysisRange;
  onChange: (range: AnalysisRange) => void;
  testId: string;
}) {
  return (
    <label>
      over the{' '}
      <select
        value={props.value}
        onChange={(e) => props.onChange(e.target.value as AnalysisRange)}
        data-testid={props.testId}
      >
        {ANALYSIS_RANGES.map((r) => (
          <option key={r.id} value={r.id}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
}
