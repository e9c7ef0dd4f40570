/**
 * Fleet, the last opened device, compare, alarms, connections, storage; a warning when readings
 * were spilled; and the engine link state on the right.
 */
import { OperatorBadge } from '../commissioning/OperatorBadge';
import { formatCount } from '../format';
import { hrefFor, type Route } from '../router';
import { useComparison } from '../state/comparison';
import { useDevices } from '../state/devices';
import { useStoreHealth } from '../state/store-health';
import { useUi } from '../state/ui';
import { ConnectionIndicator } from './ConnectionIndicator';
import { DemoDataBadge } from './DataFolder';

function NavLink({ href, active, children }: { href: string; active: boolean; children: string }) {
  return (
    <a href={href} className={active ? 'active' : undefined} aria-current={active ? 'page' : undefined}>
      {children}
    </a>
  );
}

/** Readings the engine had to drop: rare, serious, and otherwise visible only in the storage panel. */
function SpilledWarning() {
  const spilled = useStoreHealth((s) => s.stats?.spilled ?? 0);
  if (spilled === 0) return null;
  return (
    <a
      className="nav-warning"
      href={hrefFor({ name: 'storage' })}
      data-testid="spilled-warning"
      title="The store fell too far behind and these readings were not kept"
    >
      ⚠ {formatCount(spilled)} readings spilled
    </a>
  );
}

export function NavBar({ route }: { route: Route }) {
  const compared = useComparison((s) => s.selected);
  const lastDeviceId = useUi((s) => s.lastDeviceId);
  const deviceName = useDevices((s) => s.devices.find((d) => d.id === lastDeviceId)?.name);
  return (
    <header className="navbar">
      <a className="brand" href={hrefFor({ name: 'fleet' })}>
        Fieldline
      </a>
      <DemoDataBadge />
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
        {compared.length > 0 || route.name === 'compare' ? (
          <NavLink href={hrefFor({ name: 'compare', series: compared })} active={route.name === 'compare'}>
            {`Compare (${compared.length})`}
          </NavLink>
        ) : (
          <span className="nav-disabled" title="Tick “add to comparison” under a chart first">
            Compare
          </span>
        )}
        <NavLink
          href={hrefFor({ name: 'alarms' })}
          active={route.name === 'alarms' || route.name === 'alarm-rules' || route.name === 'alarm-kpis'}
        >
          Alarms
        </NavLink>
        <NavLink
          href={hrefFor({ name: 'commission' })}
          active={
            route.name === 'commission' ||
            route.name === 'commission-session' ||
            route.name === 'commission-batch'
          }
        >
          Commission
        </NavLink>
        <NavLink href={hrefFor({ name: 'registry', deviceId: null })} active={route.name === 'registry'}>
          Registry
        </NavLink>
        <NavLink href={hrefFor({ name: 'profiles', profileId: null })} active={route.name === 'profiles'}>
          Profiles
        </NavLink>
        <NavLink href={hrefFor({ name: 'firmware' })} active={route.name === 'firmware'}>
          Firmware
        </NavLink>
        <NavLink href={hrefFor({ name: 'rollouts' })} active={route.name === 'rollouts'}>
          Rollouts
        </NavLink>
        <NavLink href={hrefFor({ name: 'notifications' })} active={route.name === 'notifications'}>
          Notifications
        </NavLink>
        <NavLink href={hrefFor({ name: 'audit' })} active={route.name === 'audit'}>
          Audit
        </NavLink>
        <NavLink href={hrefFor({ name: 'credentials' })} active={route.name === 'credentials'}>
          Credentials
        </NavLink>
        <NavLink href={hrefFor({ name: 'sync' })} active={route.name === 'sync'}>
          Sync
        </NavLink>
        <NavLink href={hrefFor({ name: 'connections' })} active={route.name === 'connections'}>
          Connections
        </NavLink>
        <NavLink href={hrefFor({ name: 'storage' })} active={route.name === 'storage'}>
          Storage
        </NavLink>
      </nav>
      <SpilledWarning />
      <OperatorBadge />
      <ConnectionIndicator />
    </header>
  );
}
