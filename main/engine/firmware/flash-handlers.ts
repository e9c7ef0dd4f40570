/** The flash methods and stream of the RPC contract. */
import type { RequestHandlers, StreamSources } from '../rpc/rpc-server';
import type { FlashService } from './flash-service';

type Methods =
  | 'flash.images'
  | 'flash.slots'
  | 'flash.start'
  | 'flash.cancel'
  | 'flash.resume'
  | 'flash.status';

export function createFlashHandlers(service: FlashService): Pick<RequestHandlers, Methods> {
  return {
    'flash.images': (params) => service.images(params?.target),
    'flash.slots': (target) => service.slots(target),
    'flash.start': ({ target, sha256, allowUnknownTarget }) =>
      service.start(target, sha256, { allowUnknownTarget: allowUnknownTarget === true }),
    'flash.cancel': () => service.cancel(),
    'flash.resume': () => service.resume(),
    'flash.status': () => service.status(),
  };
}

export function createFlashStreams(service: FlashService): Pick<StreamSources, 'flash.progress'> {
  return {
    'flash.progress': (_params, emit) => {
      const job = service.status();
      if (job) emit(job);
      return service.onChange(emit);
    },
  };
}
