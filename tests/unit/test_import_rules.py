"""The rules the tree keeps (docs/design.md), checked by reading every module's imports with
`ast`: a rule that only a reviewer keeps is broken by the first hurried change.

- No service imports another service: they share only `shared` (events, kernel) and talk
  through the bus and HTTP.
- `shared` is the kernel and imports no service.
- Pure modules do no I/O: they import no framework (litestar), no driver (asyncpg) and no store
  module, and of ours only other pure modules and `shared`'s pure value modules. Pure modules
  are, by convention, every module named `domain`, `rules`, `planning` or `promise`, and the
  helpers listed in `PURE_HELPERS` (a module not so named is pure when it is listed there).
- An `api` module (`api.py`, `*_api.py`) goes through a service, a view or a device helper,
  never a store module directly.

A store module is one named `store` or `*_store`, or one that loads SQL with
`shared.sql.load_queries` (it holds queries, whatever its name).

Where the code breaks a rule today it is named in `ALLOWED`, each entry with the work that
removes it; an entry the code no longer needs fails `test_every_allowance_is_still_needed`, so the
list only shrinks.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from shared.settings import PROJECT_ROOT

SERVICES = ("orders", "fulfillment", "delivery")
PURE_BY_NAME = {"domain", "rules", "planning", "promise"}
PURE_HELPERS = {
    "services.delivery.capacity",
    "services.delivery.dispatch.holding",
    "services.delivery.forecast",
    "services.delivery.routing.eject",
    "services.delivery.routing.greedy",
    "services.delivery.routing.matrix",
    "services.delivery.routing.model",
    "services.delivery.routing.ortools_model",
    "services.delivery.routing.ortools_solver",
    "services.delivery.routing.partition",
    "services.delivery.routing.recombine",
    "services.delivery.routing.schedule",
    "services.fulfillment.batches.bagging",
    "services.fulfillment.batches.labels",
    "services.fulfillment.queue",
    "services.fulfillment.tasks",
    "services.orders.catalog.allergens",
    "services.orders.catalog.paging",
    "services.orders.catalog.reasons",
    "services.orders.catalog.substitutes",
    "services.orders.catalog.tax",
    "shared.backoff",
    "shared.barcodes",
    "shared.clock",
    "shared.errors",
    "shared.events",
    "shared.ids",
    "shared.languages",
    "shared.limits",
    "shared.money",
    "shared.paging",
    "shared.signing",
}
FRAMEWORKS_AND_DRIVERS = ("litestar", "asyncpg")

UNTIL_RESTRUCTURED = "until house-orders/house-store land"
ALLOWED: dict[tuple[str, str, str], str] = {
    # (rule, importer, imported): why it is allowed for now.
    ("api-no-store", "services.fulfillment.handheld.api", "services.fulfillment.handheld.pins"): (
        f"PIN sign-in (its own queries) goes through a service, {UNTIL_RESTRUCTURED}"
    ),
}


def _module_of(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _sources() -> dict[str, Path]:
    """Every module of ours under services/ and shared/, by dotted name."""
    return {
        _module_of(path): path
        for top in ("services", "shared")
        for path in sorted((PROJECT_ROOT / top).rglob("*.py"))
    }


def _is_package(module: str) -> bool:
    path = _sources().get(module)
    return path is not None and path.name == "__init__.py"


@cache
def _imports(module: str) -> frozenset[str]:
    """The modules `module` imports, anywhere in its body (inside functions and
    `TYPE_CHECKING` blocks too); `from package import name` counts as the submodule when
    `name` is one, as the package otherwise."""
    path = _sources()[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if _is_package(module) else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in _sources() else base)
    return frozenset(found)


def _ours(name: str) -> bool:
    return name.split(".")[0] in ("services", "shared")


def _service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def _is_store(module: str) -> bool:
    if module not in _sources():
        return False
    last = module.rpartition(".")[2]
    if last == "store" or last.endswith("_store"):
        return True
    return "shared.sql" in _imports(module) and "load_queries" in _sources()[module].read_text()


def _is_pure(module: str) -> bool:
    return module.rpartition(".")[2] in PURE_BY_NAME or module in PURE_HELPERS


def _is_api(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last == "api" or last.endswith("_api")


def _breaches() -> set[tuple[str, str, str]]:
    """Every (rule, importer, imported) the code breaks today, allowed or not."""
    found: set[tuple[str, str, str]] = set()
    for module in _sources():
        for imported in _imports(module):
            top = imported.split(".")[0]
            mine, theirs = _service_of(module), _service_of(imported)
            if mine and theirs and mine != theirs:
                found.add(("service-no-other-service", module, imported))
            if module.startswith("shared") and top == "services":
                found.add(("shared-no-service", module, imported))
            if _is_pure(module):
                if top in FRAMEWORKS_AND_DRIVERS or _is_store(imported):
                    found.add(("pure-no-io", module, imported))
                if _ours(imported) and not _is_pure(imported):
                    found.add(("pure-only-pure", module, imported))
            if _is_api(module) and _is_store(imported):
                found.add(("api-no-store", module, imported))
    return found


def _broken(rule: str) -> list[str]:
    return sorted(
        f"{importer} imports {imported}"
        for r, importer, imported in _breaches()
        if r == rule and (r, importer, imported) not in ALLOWED
    )


def test_no_service_imports_another_service():
    assert _broken("service-no-other-service") == []


def test_shared_imports_no_service():
    assert _broken("shared-no-service") == []


def test_pure_modules_import_no_framework_driver_or_store():
    assert _broken("pure-no-io") == []


def test_pure_modules_import_of_ours_only_pure_modules():
    assert _broken("pure-only-pure") == []


def test_api_modules_import_no_store_module():
    assert _broken("api-no-store") == []


def test_every_allowance_is_still_needed():
    stale = sorted(set(ALLOWED) - _breaches())
    assert stale == [], "the code keeps these rules now: delete their entries in ALLOWED"


def test_the_rules_see_the_modules_they_name():
    """A renamed module would otherwise make its rule pass by checking nothing."""
    assert not PURE_HELPERS - set(_sources()), "PURE_HELPERS names a module that is not there"
    assert {m for m in _sources() if m.rpartition(".")[2] == "domain"} >= {
        f"services.{service}.domain" for service in ("fulfillment", "delivery")
    }
    assert _is_store("services.orders.checkout.store")
    assert _is_store("services.fulfillment.batches.line_store")
    assert "services.orders.checkout.service" in _imports("services.orders.checkout.api")
