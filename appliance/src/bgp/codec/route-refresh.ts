// ROUTE-REFRESH (RFC 2918 §3): AFI(2) reserved(1) SAFI(1). RFC 7313 uses the reserved octet as
// a subtype (BoRR/EoRR); it is read past, not interpreted.
import { writeHeader } from './header.js';
import { HEADER_LENGTH, MessageType, type RouteRefreshMessage } from './types.js';

export function decodeRouteRefresh(msg: Buffer): RouteRefreshMessage {
  return {
    type: MessageType.ROUTE_REFRESH,
    afi: msg.readUInt16BE(HEADER_LENGTH),
    safi: msg[HEADER_LENGTH + 3]!,
  };
}

export function encodeRouteRefresh(m: Omit<RouteRefreshMessage, 'type'>): Buffer {
  const buf = Buffer.alloc(HEADER_LENGTH + 4);
  writeHeader(buf, buf.length, MessageType.ROUTE_REFRESH);
  buf.writeUInt16BE(m.afi, HEADER_LENGTH);
  buf[HEADER_LENGTH + 3] = m.safi;
  return buf;
}
