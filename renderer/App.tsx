/**
 * The shell: nav bar, the engine notice when there is no link, the cache banner when the
 * store is unusable, the alarm banner, and the page for the route.
 */
import { lazy, Suspense, useEffect } from 'react';
import { AlarmBanner } from './alarms/AlarmBanner';
import { hrefFor, type Route, useRoute } from './router';
import { DevicePage } from './views/DevicePage';
import { EngineNotice } from './views/EngineNotice';
import { FleetView } from './views/FleetView';
import { NavBar } from './views/NavBar';
import { StoreErrorBanner } from './views/StoreErrorBanner';

/**
 * Pages past the first screen load when first opened: the fleet and device pages come up
 * without parsing the wizard, registry, sync and tools (npm run bench:startup).
 */
const AlarmsView = lazy(() => import('./alarms/AlarmsView').then((m) => ({ default: m.AlarmsView })));
const RulesView = lazy(() => import('./alarms/RulesView').then((m) => ({ default: m.RulesView })));
const KpisView = lazy(() => import('./alarms/KpisView').then((m) => ({ default: m.KpisView })));
const AuditView = lazy(() => import('./audit/AuditView').then((m) => ({ default: m.AuditView })));
const BleExplorer = lazy(() => import('./ble/BleExplorer').then((m) => ({ default: m.BleExplorer })));
const BatchView = lazy(() => import('./commissioning/BatchView').then((m) => ({ default: m.BatchView })));
const CommissionStart = lazy(() =>
  import('./commissioning/CommissionStart').then((m) => ({ default: m.CommissionStart })),
);
const Wizard = lazy(() => import('./commissioning/Wizard').then((m) => ({ default: m.Wizard })));
const CredentialsPanel = lazy(() =>
  import('./credentials/CredentialsPanel').then((m) => ({ default: m.CredentialsPanel })),
);
const FirmwareView = lazy(() => import('./firmware/FirmwareView').then((m) => ({ default: m.FirmwareView })));
const MqttBrowser = lazy(() => import('./mqtt/MqttBrowser').then((m) => ({ default: m.MqttBrowser })));
const ProfilesView = lazy(() => import('./profiles/ProfilesView').then((m) => ({ default: m.ProfilesView })));
const RegistryView = lazy(() => import('./registry/RegistryView').then((m) => ({ default: m.RegistryView })));
const SerialMonitor = lazy(() =>
  import('./serial/SerialMonitor').then((m) => ({ default: m.SerialMonitor })),
);
const StoragePanel = lazy(() => import('./storage/StoragePanel').then((m) => ({ default: m.StoragePanel })));
const RolloutsView = lazy(() => import('./rollouts/RolloutsView').then((m) => ({ default: m.RolloutsView })));
const NotificationsView = lazy(() =>
  import('./notify/NotificationsView').then((m) => ({ default: m.NotificationsView })),
);
const SyncView = lazy(() => import('./sync/SyncView').then((m) => ({ default: m.SyncView })));
const ComparePage = lazy(() => import('./views/ComparePage').then((m) => ({ default: m.ComparePage })));
const ConnectionsView = lazy(() =>
  import('./views/ConnectionsView').then((m) => ({ default: m.ConnectionsView })),
);

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
  profiles: 'Profiles',
  firmware: 'Firmware',
  rollouts: 'Rollouts',
  notifications: 'Notifications',
  alarms: 'Alarms',
  'alarm-rules': 'Alarm rules',
  'alarm-kpis': 'Alarm KPIs',
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
    case 'rollouts':
      return <RolloutsView />;
    case 'notifications':
      return <NotificationsView />;
    case 'profiles':
      return <ProfilesView profileId={route.profileId} />;
    case 'firmware':
      return <FirmwareView />;
    case 'alarms':
      return <AlarmsView />;
    case 'alarm-rules':
      return <RulesView ruleId={route.ruleId} />;
    case 'alarm-kpis':
      return <KpisView />;
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
        <AlarmBanner />
        <Suspense fallback={<p className="muted page">Loading…</p>}>
          <Page route={route} />
        </Suspense>
      </main>
    </>
  );
}
