/**
 * Entry point. The engine client starts before the first render so the access token is
 * out of the address bar as early as possible, and the stores start listening before
 * any view asks for them.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './App';
import { startAlarmSync } from './alarms/alarm-store';
import { startDesktopNotices } from './alarms/desktop-notices';
import { startEngineClient } from './rpc/engine';
import { bindConnection } from './state/connection';
import { startConnectorSync } from './state/connectors';
import { startDeviceSync } from './state/devices';
import { APP_POLL_MS, startStoreHealthPolling } from './state/store-health';
import { startTheme } from './theme/theme';

// before the first render, so a dark page never paints light first
startTheme();

const client = startEngineClient();
bindConnection(client);
startDeviceSync(client);
startConnectorSync(client);
startAlarmSync(client);
startDesktopNotices();
startStoreHealthPolling(client, APP_POLL_MS);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
