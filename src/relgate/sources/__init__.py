"""Evidence sources, one module per kind, looked up by their `type:` in relgate.yaml."""

from __future__ import annotations

from relgate.sources.ci_env import CiEnvSource
from relgate.sources.file import FileSource
from relgate.sources.interface import Source
from relgate.sources.junit import JunitSource
from relgate.sources.sarif import SarifSource

SOURCE_TYPES: dict[str, type[Source]] = {
    cls.type_name: cls for cls in (CiEnvSource, FileSource, JunitSource, SarifSource)
}
