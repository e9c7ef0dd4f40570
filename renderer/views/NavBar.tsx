/** Fleet, the last opened device, connections; and the engine link state on the right. */
import { hrefFor, type Route } from '../router';
import { useDevices } from '../state/devices';
import { useUi } from '../state/ui';
import { ConnectionIndicator } from './ConnectionIndicator';

function NavLink({ href, active, children }: { href: string; active: boolean; children: string }) {
  return (
    <a href={href} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function NavBar({ route }: { route: Route }) {
  const lastDeviceId = useUi((s) => s.lastDeviceId);
  const deviceName = useDevices((s) => s.devices.find((d) => d.id === lastDeviceId)?.name);
  return (
    <header className="navbar">
      <a className="brand" href={hrefFor({ name: 'fleet' })}>
        Fieldline
      </a>
      <nav aria-label="Main">
        <NavLink href={hrefFor({ name: 'fleet' })} active={route.name === 'fleet'}>
          Fleet
        </NavLink>
        {lastDeviceId === null ? (
          <span className="nav-disabled" title="Open a device from the fleet first">
            Device
          </span>
        ) : (
          <NavLink
            href={hrefFor({ name: 'device', deviceId: lastDeviceId })}
            active={route.name === 'device'}
          >
            {`Device: ${deviceName ?? lastDeviceId}`}
          </NavLink>
        )}
        <NavLink href={hrefFor({ name: 'connections' })} active={route.name === 'connections'}>
          Connections
        </NavLink>
      </nav>
      <ConnectionIndicator />
    </header>
  );
}
