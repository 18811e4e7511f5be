"""Evidence sources, one module per kind, looked up by their `type:` in relgate.yaml.

Modules are imported only when a config uses them, so a gate without a
Prometheus source never imports an HTTP client.
"""

from __future__ import annotations

import importlib

from relgate.sources.interface import Source

SOURCE_TYPES: dict[str, str] = {
    "ci": "relgate.sources.ci_env:CiEnvSource",
    "file": "relgate.sources.file:FileSource",
    "github": "relgate.sources.github:GithubSource",
    "grype": "relgate.sources.grype:GrypeSource",
    "junit": "relgate.sources.junit:JunitSource",
    "prometheus": "relgate.sources.prometheus:PrometheusSource",
    "sarif": "relgate.sources.sarif:SarifSource",
    "trivy": "relgate.sources.trivy:TrivySource",
}


def source_class(type_name: str) -> type[Source]:
    """The Source implementation registered for a `type:`."""
    module_name, _, class_name = SOURCE_TYPES[type_name].partition(":")
    cls: type[Source] = getattr(importlib.import_module(module_name), class_name)
    return cls
