"""Capped exponential backoff with full jitter.

Full jitter (a random wait between zero and the capped exponential) spreads out the
retries of a whole province's devices when the server comes back, instead of having
them all knock at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 60.0
    # Jitter spreads load; it need not be unpredictable, so no CSPRNG.
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the wait before retry number ``attempt`` (1-based)."""
        return float(min(self.cap_s, self.base_s * 2.0 ** max(0, attempt - 1)))

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, self.ceiling(attempt))
