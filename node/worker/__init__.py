"""The node's background worker: the jobs, and the database lease that lets exactly one process run them."""
