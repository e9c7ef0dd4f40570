/**
 * The shell: nav bar, the engine notice when there is no link, the cache banner when the
 * store is unusable, and the page for the route.
 */
import { useEffect } from 'react';
import { AuditView } from './audit/AuditView';
import { BleExplorer } from './ble/BleExplorer';
import { BatchView } from './commissioning/BatchView';
import { CommissionStart } from './commissioning/CommissionStart';
import { Wizard } from './commissioning/Wizard';
import { CredentialsPanel } from './credentials/CredentialsPanel';
import { MqttBrowser } from './mqtt/MqttBrowser';
import { RegistryView } from './registry/RegistryView';
import { hrefFor, type Route, useRoute } from './router';
import { SerialMonitor } from './serial/SerialMonitor';
import { StoragePanel } from './storage/StoragePanel';
import { SyncView } from './sync/SyncView';
import { ComparePage } from './views/ComparePage';
import { ConnectionsView } from './views/ConnectionsView';
import { DevicePage } from './views/DevicePage';
import { EngineNotice } from './views/EngineNotice';
import { FleetView } from './views/FleetView';
import { NavBar } from './views/NavBar';
import { StoreErrorBanner } from './views/StoreErrorBanner';

const TITLES: Record<Route['name'], string> = {
  fleet: 'Fleet',
  device: 'Device',
  compare: 'Compare',
  connections: 'Connections',
  storage: 'Storage',
  serial: 'Serial monitor',
  mqtt: 'Topics',
  ble: 'Bluetooth',
  commission: 'Commission',
  'commission-session': 'Commissioning',
  'commission-batch': 'Commissioning batch',
  registry: 'Registry',
  audit: 'Audit log',
  credentials: 'Credentials',
  sync: 'Cloud sync',
  'not-found': 'Not found',
};

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'fleet':
      return <FleetView />;
    case 'device':
      // keyed: another device is a fresh page (charts, streams), not an update of this one
      return <DevicePage key={route.deviceId} deviceId={route.deviceId} />;
    case 'compare':
      return <ComparePage series={route.series} />;
    case 'connections':
      return <ConnectionsView />;
    case 'storage':
      return <StoragePanel />;
    // keyed: another connector is a fresh page (streams, polls, log), not an update
    case 'serial':
      return <SerialMonitor key={route.connectorId} connectorId={route.connectorId} />;
    case 'mqtt':
      return <MqttBrowser key={route.connectorId} connectorId={route.connectorId} />;
    case 'ble':
      return <BleExplorer key={route.connectorId} connectorId={route.connectorId} />;
    case 'commission':
      return <CommissionStart />;
    // keyed: another session is a fresh wizard (stream, forms), not an update of this one
    case 'commission-session':
      return <Wizard key={route.sessionId} sessionId={route.sessionId} />;
    case 'commission-batch':
      return <BatchView key={route.batchId} batchId={route.batchId} />;
    case 'registry':
      return <RegistryView deviceId={route.deviceId} />;
    case 'audit':
      return <AuditView />;
    case 'credentials':
      return <CredentialsPanel />;
    case 'sync':
      return <SyncView />;
    case 'not-found':
      return (
        <section className="page">
          <h1>Nothing at {route.hash}</h1>
          <a href={hrefFor({ name: 'fleet' })}>Go to the fleet</a>
        </section>
      );
  }
}

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = `${TITLES[route.name]} · Fieldline`;
  }, [route.name]);
  return (
    <>
      <NavBar route={route} />
      <main>
        <EngineNotice />
        <StoreErrorBanner />
        <Page route={route} />
      </main>
    </>
  );
}
