"""The fulfillment service's own dependencies, by the name a handler gives its parameter; its
composition root (`app.py`) provides them, beside the kernel's (`shared.web.deps`)."""

from __future__ import annotations

from litestar.di import NamedDependency

from services.fulfillment.batches.claiming import Policy
from services.fulfillment.batches.substitutes import SubstitutesClient
from services.fulfillment.live import Hub

BatchPolicy = NamedDependency[Policy]  # batch size, lease, the shopper's time to decide
Substitutes = NamedDependency[SubstitutesClient]  # orders' substitute offers
LiveHub = NamedDependency[Hub]  # live updates for the handhelds' streams
