import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/signals.py

# The reference processors are numpy loops: keep property tests short and free of deadlines.
settings.register_profile("stemglue", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("stemglue")
