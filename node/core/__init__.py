"""The bottom layer: configuration, database and models, ids, canonical JSON, geography; imports nothing above it."""
