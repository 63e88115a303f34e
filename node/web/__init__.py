"""The web interface: the app factory (wiring), request plumbing, forms and the node's own views."""
