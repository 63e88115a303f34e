"""Federation between Vidensnet nodes: signed items replicated by pull, see docs/federation-protocol.md.

- `identity`, `local`: the node's Ed25519 key on disk; this node as the federation sees it.
- `wire`: envelopes and payloads, signed over canonical (RFC 8785) JSON; pure functions.
- `tokens`: the short-lived JWTs that authenticate node-to-node requests.
- `trust`, `rotation`: descriptors, which keys are accepted (peers, endorsements), key rotation.
- `audience`: the audience rule, applied at every exit and entry.
- `changes`: the changes feed (signed envelopes in seq order) and what each peer may see of it.
- `ingest`, `verifier`: taking in received envelopes; batch signature checks in a helper process.
- `replication`, `readahead`, `client`: pulling a peer's feed from a stored cursor over HTTP.
- `peering`, `scheduling`, `views`, `commands`: peers and their states, the periodic
  notify-and-pull job, the HTTP endpoints and the `vidensnet peer`/`sync` commands.
- `plan_endorsements`: municipalities' signed endorsements of plan versions.
- `models`, `overview`: what the node stores about the federation, and the admin page's summary.

It builds on the web plumbing (`node.web.request`, `node.web.errors`), `node.items` and the
layers below (docs/architecture.md), and never imports `search`.
"""
