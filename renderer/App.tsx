/** The shell: nav bar, the engine notice when there is no link, and the page for the route. */
import { useEffect } from 'react';
import { hrefFor, type Route, useRoute } from './router';
import { ConnectionsView } from './views/ConnectionsView';
import { DevicePage } from './views/DevicePage';
import { EngineNotice } from './views/EngineNotice';
import { FleetView } from './views/FleetView';
import { NavBar } from './views/NavBar';

const TITLES: Record<Route['name'], string> = {
  fleet: 'Fleet',
  device: 'Device',
  connections: 'Connections',
  'not-found': 'Not found',
};

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'fleet':
      return <FleetView />;
    case 'device':
      // keyed: another device is a fresh page (charts, streams), not an update of this one
      return <DevicePage key={route.deviceId} deviceId={route.deviceId} />;
    case 'connections':
      return <ConnectionsView />;
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
        <Page route={route} />
      </main>
    </>
  );
}
