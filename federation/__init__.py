"""Federation between Vidensnet nodes.

Will own node identity (Ed25519 keys and the signed descriptor at
`/.well-known/vidensnet`), the signed item envelope and its canonical (RFC 8785)
wire format, peering, the changes feed, pull replication with checkpoints,
store-and-forward relay, tombstones and the JWTs nodes use to authenticate to
each other. The node's models are used from here; the node calls in only
through named entry points.
"""
