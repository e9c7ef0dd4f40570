/** The notifications methods and stream of the RPC contract. */
import { RpcError } from '../../../common/protocol';
import type { RequestHandlers, StreamSources } from '../rpc/rpc-server';
import type { NotifyService } from './notify-service';

type NotifyMethods = Extract<keyof RequestHandlers, `notify.${string}`>;

export interface NotifyHandlerDeps {
  service: NotifyService;
  actor: () => string;
  audit: (entry: { actor: string; action: string; subject: string; after?: unknown }) => void;
  now?: () => number;
}

export function createNotifyHandlers({
  service,
  actor,
  audit,
  now = Date.now,
}: NotifyHandlerDeps): Pick<RequestHandlers, NotifyMethods> {
  const summaries = () => {
    const counts = service.outbox.counts();
    return service.channels.list().map((c) => service.channels.summary(c, counts.get(c.id)));
  };
  const record = (action: string, subject: string, after?: unknown) =>
    audit({ actor: actor(), action, subject, after });
  return {
    'notify.channels.list': () => summaries(),
    'notify.channels.save': ({ channel }) => {
      const saved = service.channels.save(channel, now());
      service.forget(saved.id);
      const summary = service.channels.summary(saved, service.outbox.counts().get(saved.id));
      // the summary carries no secret: safe for the audit trail
      record('notify.channel.save', `channel:${saved.id}`, summary.config);
      return summary;
    },
    'notify.channels.delete': ({ channelId }) => {
      if (!service.channels.get(channelId))
        throw new RpcError('NOT_FOUND', `there is no channel "${channelId}"`);
      service.channels.delete(channelId);
      service.outbox.abandonChannel(channelId);
      service.forget(channelId);
      record('notify.channel.delete', `channel:${channelId}`);
      return {};
    },
    'notify.channels.test': ({ channelId }) => service.test(channelId),
    'notify.policy.get': () => service.policies.policy(),
    'notify.policy.save': ({ policy }) => {
      const saved = service.policies.savePolicy(policy, (id) => !!service.channels.get(id), now());
      record('notify.policy.save', 'notify:policy', saved);
      return saved;
    },
    'notify.silences.list': () => service.policies.silences(),
    'notify.silences.save': ({ silence }) => {
      const id = service.policies.saveSilence(silence, actor());
      record('notify.silence.save', `silence:${id}`, silence);
      return { id };
    },
    'notify.silences.delete': ({ id }) => {
      if (!service.policies.deleteSilence(id)) throw new RpcError('NOT_FOUND', `there is no silence "${id}"`);
      record('notify.silence.delete', `silence:${id}`);
      return {};
    },
    'notify.muteWindows.list': () => service.policies.muteWindows(),
    'notify.muteWindows.save': ({ window }) => {
      const id = service.policies.saveMuteWindow(window);
      record('notify.muteWindow.save', `mute-window:${id}`, window);
      return { id };
    },
    'notify.muteWindows.delete': ({ id }) => {
      if (!service.policies.deleteMuteWindow(id))
        throw new RpcError('NOT_FOUND', `there is no mute window "${id}"`);
      record('notify.muteWindow.delete', `mute-window:${id}`);
      return {};
    },
    'notify.deliveries.list': ({ status, limit }) => service.outbox.list(status, limit),
    'notify.deliveries.retry': ({ ids }) => {
      service.outbox.retry(ids, now());
      record('notify.deliveries.retry', 'notify:deliveries', { ids });
      void service.tick();
      return {};
    },
  };
}

export function createNotifyStreams(service: NotifyService): Pick<StreamSources, 'notify.desktop'> {
  return { 'notify.desktop': (_params, emit) => service.onDesktop(emit) };
}
