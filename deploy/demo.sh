#!/usr/bin/env bash
# Set everything up and run the demo federation on 127.0.0.1 with the demo corpus:
# Aarhus and Randers Kommune, Østjyllands Politi and Det Kriminalpræventive Råd.
# The nodes keep their data in var/demo/; delete that folder to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
exec .venv/bin/python deploy/demo_federation.py
