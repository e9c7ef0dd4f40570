/** The alarms methods and stream of the RPC contract (common/alarm-contract.ts). */
import type { alarmRequests } from '../../../common/alarm-contract';
import type { RequestHandlers, StreamSources } from '../rpc/rpc-server';
import type { AlarmService } from './alarm-service';

type AlarmMethods = keyof typeof alarmRequests;

export function createAlarmHandlers(
  service: AlarmService,
  actor: () => string,
): { requests: Pick<RequestHandlers, AlarmMethods>; streams: Pick<StreamSources, 'alarms.changed'> } {
  return {
    requests: {
      'alarms.rules.list': () => service.listRules(),
      'alarms.rules.save': ({ rule }) => service.saveRule(rule, actor()),
      'alarms.rules.delete': ({ ruleId }) => {
        service.deleteRule(ruleId, actor());
        return {};
      },
      'alarms.list': (params) => service.list(params ?? {}),
      'alarms.ack': ({ keys, comment }) => {
        service.acknowledge(keys, actor(), comment || undefined);
        return {};
      },
      'alarms.shelve': ({ keys, until, reason }) => {
        service.shelve(keys, until, reason, actor());
        return {};
      },
      'alarms.unshelve': ({ keys }) => {
        service.unshelve(keys, actor());
        return {};
      },
      'alarms.comment': ({ keys, text }) => {
        service.comment(keys, text, actor());
        return {};
      },
      'alarms.outOfService': ({ keys, outOfService, reason }) => {
        service.setOutOfService(keys, outOfService, reason, actor());
        return {};
      },
      'alarms.history': (q) => service.history(q),
    },
    streams: {
      'alarms.changed': (_params, emit) => service.subscribe(emit),
    },
  };
}
