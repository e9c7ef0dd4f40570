/** The analysis RPC handlers on a real SQLite file: refusals become INVALID_PARAMS with the reason. */
import { afterEach, describe, expect, test } from 'vitest';
import { AlarmKpisSchema, BacktestResultSchema, RuleSchema } from '../../../common/alarm-contract';
import { RpcError } from '../../../common/protocol';
import { openStore, tempDataDir } from '../store/test-fixtures';
import { createAlarmAnalysisHandlers } from './alarm-analysis-handlers';
import { Backtester } from './backtest';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function handlers() {
  const { db, store } = openStore(tempDataDir('analysis-rpc'));
  closers.push(() => db.close());
  store.insertBatch([{ deviceId: 'd1', metric: 'm', ts: 1000, value: 90, quality: 'good', source: 't' }]);
  const backtester = new Backtester({
    db,
    series: store.series,
    devices: { facts: (id) => ({ id, profile: 'p', site: '', tags: [] }) },
  });
  return createAlarmAnalysisHandlers(db, backtester);
}

const rule = (condition: unknown) =>
  RuleSchema.parse({ id: 'r', name: 'R', target: { metric: 'm' }, condition });
const call = <T>(f: () => T | Promise<T>) => Promise.resolve().then(f);

describe('alarm analysis handlers', () => {
  test('a backtest answers in the contract’s shape', async () => {
    const h = handlers();
    const r = await call(() =>
      h['alarms.rules.backtest']({
        rule: rule({ kind: 'threshold', levels: [{ severity: 'high', above: { value: 85 } }] }),
        from: 0,
        to: 5000,
      }),
    );
    expect(BacktestResultSchema.parse(r)).toMatchObject({ notifications: 1, readings: 1 });
  });

  test('a refused backtest and a reversed KPI period are INVALID_PARAMS with the reason', async () => {
    const h = handlers();
    const refused = call(() =>
      h['alarms.rules.backtest']({ rule: rule({ kind: 'offline' }), from: 0, to: 5000 }),
    );
    await expect(refused).rejects.toBeInstanceOf(RpcError);
    await expect(refused).rejects.toMatchObject({ code: 'INVALID_PARAMS', message: /offline rules/ });
    await expect(call(() => h['alarms.kpis']({ from: 10, to: 10 }))).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    expect(AlarmKpisSchema.parse(await call(() => h['alarms.kpis']({ from: 0, to: 600_000 })))).toMatchObject(
      {
        perTenMinutes: 0,
      },
    );
  });
});
