/** The alarm analysis methods of the RPC contract: backtests and KPIs (common/alarm-contract.ts). */
import type { alarmAnalysisRequests } from '../../../common/alarm-contract';
import { RpcError } from '../../../common/protocol';
import type { RequestHandlers } from '../rpc/rpc-server';
import type { Db } from '../store/database';
import { alarmKpis } from './alarm-kpis';
import { type Backtester, BacktestRefused } from './backtest';

type AnalysisMethods = keyof typeof alarmAnalysisRequests;

export function createAlarmAnalysisHandlers(
  db: Db,
  backtester: Backtester,
): Pick<RequestHandlers, AnalysisMethods> {
  return {
    'alarms.rules.backtest': ({ rule, from, to }) => {
      try {
        return backtester.run(rule, from, to);
      } catch (error) {
        if (error instanceof BacktestRefused) throw new RpcError('INVALID_PARAMS', error.message);
        throw error;
      }
    },
    'alarms.kpis': ({ from, to }) => {
      if (!(to > from)) throw new RpcError('INVALID_PARAMS', 'the KPI period must end after it starts');
      return alarmKpis(db, from, to);
    },
  };
}
