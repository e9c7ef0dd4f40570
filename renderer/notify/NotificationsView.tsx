/**
 * Notifications: the channels (with Send test, last result, waiting and dead counts), the
 * routing policy, silences, mute windows, and dead letters with Retry.
 */
import { useState } from 'react';
import { ChannelsPanel } from './ChannelsPanel';
import { DeadLetters } from './DeadLetters';
import { MuteWindowsPanel } from './MuteWindowsPanel';
import { PolicyPanel } from './PolicyPanel';
import { SilencesPanel } from './SilencesPanel';

export function NotificationsView() {
  const [refresh, setRefresh] = useState(0);
  return (
    <section className="page" data-testid="notifications-view">
      <div className="page-head">
        <h1>Notifications</h1>
      </div>
      <ChannelsPanel refresh={refresh} />
      <PolicyPanel onSaved={() => setRefresh((r) => r + 1)} />
      <SilencesPanel />
      <MuteWindowsPanel />
      <DeadLetters />
    </section>
  );
}
