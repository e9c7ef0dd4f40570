/** The profiles methods of the RPC contract. */
import type { RequestHandlers } from '../rpc/rpc-server';
import type { ProfileStore } from './profile-store';

type ProfileMethods =
  | 'profiles.list'
  | 'profiles.get'
  | 'profiles.save'
  | 'profiles.delete'
  | 'profiles.import'
  | 'profiles.export';

export function createProfileHandlers(store: ProfileStore): Pick<RequestHandlers, ProfileMethods> {
  return {
    'profiles.list': () => store.list(),
    'profiles.get': ({ id }) => store.get(id),
    'profiles.save': ({ definition, create }) => store.save(definition, create),
    'profiles.delete': ({ id }) => {
      store.delete(id);
      return { ok: true };
    },
    'profiles.import': ({ text, replace }) => ({ imported: store.import(text, replace) }),
    'profiles.export': ({ ids }) => store.export(ids),
  };
}
