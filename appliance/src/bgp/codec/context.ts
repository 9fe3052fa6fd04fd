// What the codec needs to know about the session: negotiated options that change the wire form.

export interface DecodeContext {
  /** both sides advertised the 4-octet AS capability (RFC 6793 §3) */
  fourOctetAs: boolean;
  /** ADD-PATH (RFC 7911) is not supported; the field keeps the door visible */
  addPath?: false;
}

export type EncodeContext = DecodeContext;
