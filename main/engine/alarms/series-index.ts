/**
 * Values by (device, metric) with no key string built per lookup and no Map per device: a
 * device has a handful of metrics, so a short list scanned in place is both faster and a
 * fraction of the memory of a nested Map, which matters at 100,000 alarm instances.
 */
export class SeriesIndex<V> {
  private readonly devices = new Map<string, { metric: string; value: V }[]>();

  get(deviceId: string, metric: string): V | undefined {
    const list = this.devices.get(deviceId);
    if (!list) return undefined;
    for (const entry of list) if (entry.metric === metric) return entry.value;
    return undefined;
  }

  set(deviceId: string, metric: string, value: V): void {
    const list = this.devices.get(deviceId);
    if (!list) {
      this.devices.set(deviceId, [{ metric, value }]);
      return;
    }
    const entry = list.find((e) => e.metric === metric);
    if (entry) entry.value = value;
    else list.push({ metric, value });
  }

  delete(deviceId: string, metric: string): void {
    const list = this.devices.get(deviceId);
    if (!list) return;
    const i = list.findIndex((e) => e.metric === metric);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.devices.delete(deviceId);
  }

  /** forgets every entry whose value `drop` says to */
  prune(drop: (value: V) => boolean): void {
    for (const [deviceId, list] of this.devices) {
      for (let i = list.length - 1; i >= 0; i--) if (drop((list[i] as { value: V }).value)) list.splice(i, 1);
      if (list.length === 0) this.devices.delete(deviceId);
    }
  }

  clear(): void {
    this.devices.clear();
  }
}
