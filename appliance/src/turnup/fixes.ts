// What to do about a failed turn-up check: `ferry appliance check` prints it under the ✗.
export const TURNUP_FIXES: Readonly<Record<string, string>> = {
  disks:
    'create each --store directory, owned by the user the appliance runs as (ferry), on a filesystem with free space',
  'store-index':
    'restart the appliance to re-index the store, or add the missing files again (`ferry content add`); replace a failed disk',
  keys: 'put the key file control signs with (`--token-key-file` of control) on this appliance and reload it (SIGHUP); see docs/tokens.md',
  control:
    'check --control, the enrollment (`ferry control appliance add`) and that control is reachable from here',
  bgp: "check the router's session to this appliance (address, AS, password) and that it announces the client prefixes",
  'test-range':
    'hold at least one file (`ferry content add`, or --fill on); check the viewer port is open and the token keys load',
};
