/**
 * Commissioning sessions the wizard is showing, kept live by commissioning.changed. The
 * session is fetched on every (re)connect and the stream is opened first, so nothing is
 * missed; of two copies the newer (updatedAt) wins, so a slow answer never rolls back a
 * progress update.
 */
import { create } from 'zustand';
import type { CommissioningSession } from '../../common/commissioning-contract';
import { newerSession } from '../commissioning/wizard-model';
import type { RpcClient } from '../rpc/client';
import { startListSync } from './sync';

export interface CommissioningStore {
  sessions: Record<string, CommissioningSession>;
  /** why a session could not be loaded, by id */
  errors: Record<string, string>;
}

export const useCommissioning = create<CommissioningStore>(() => ({ sessions: {}, errors: {} }));

export function applySession(session: CommissioningSession): void {
  useCommissioning.setState((s) => {
    const merged = newerSession(s.sessions[session.id], session);
    if (merged === s.sessions[session.id]) return s;
    const { [session.id]: _, ...errors } = s.errors;
    return { sessions: { ...s.sessions, [session.id]: merged }, errors };
  });
}

/** Keeps one session current while the wizard shows it; returns the stop function. */
export function watchSession(client: RpcClient, sessionId: string): () => void {
  return startListSync<CommissioningSession, CommissioningSession>({
    client,
    load: () => client.request('commissioning.get', { sessionId }),
    subscribe: (onData, onError) =>
      client.subscribe('commissioning.changed', { sessionId }, onData, { onError }),
    onList: applySession,
    onChange: (session) => {
      if (session.id === sessionId) applySession(session);
    },
    onError: (message) =>
      useCommissioning.setState((s) => ({ errors: { ...s.errors, [sessionId]: message } })),
  });
}

/**
 * What the technician typed into a step's form and has not run yet, by session and step:
 * going back a step, or to another page and back, keeps it. Memory only; a run that
 * succeeds drops it, and the form then shows what the session recorded.
 */
export const useDrafts = create<{ drafts: Record<string, unknown> }>(() => ({ drafts: {} }));

export function draftKey(sessionId: string, step: string): string {
  return `${sessionId}\u0000${step}`;
}

export function useDraft<F>(key: string, init: () => F): [F, (next: F) => void] {
  const stored = useDrafts((s) => s.drafts[key]) as F | undefined;
  const set = (next: F) => useDrafts.setState((s) => ({ drafts: { ...s.drafts, [key]: next } }));
  return [stored ?? init(), set];
}

/** Whether the technician has typed into this form (a default may then no longer be applied). */
export function hasDraft(key: string): boolean {
  return key in useDrafts.getState().drafts;
}

export function dropDraft(key: string): void {
  useDrafts.setState((s) => {
    if (!(key in s.drafts)) return s;
    const { [key]: _, ...drafts } = s.drafts;
    return { drafts };
  });
}
