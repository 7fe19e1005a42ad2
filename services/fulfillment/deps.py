"""The fulfillment service's own dependencies, by the name a handler gives its parameter; its
composition root (`app.py`) provides them, beside the kernel's (`shared.web.deps`). Our own
objects, so not validated on every request."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from services.fulfillment.batches.claiming import Policy
from services.fulfillment.batches.substitutes import SubstitutesClient
from services.fulfillment.live import Hub

# Batch size, the picker's lease, the shopper's time to decide.
BatchPolicy = NamedDependency[SkipValidation[Policy]]
Substitutes = NamedDependency[SkipValidation[SubstitutesClient]]  # orders' substitute offers
LiveHub = NamedDependency[SkipValidation[Hub]]  # live updates for the handhelds' streams
