"""Public exceptions and warnings of landuse.

Every error a user can cause derives from :class:`LanduseError` and also from the
built-in exception it refines, so ``except ValueError`` keeps working for callers
who do not know this package.  Messages follow one shape: what is wrong, with which
input -> what was found -> how to fix it.
"""

from __future__ import annotations

__all__ = [
    "LanduseError",
    "InputFileNotFoundError",
    "UnreadableFileError",
    "MissingCRSError",
    "CRSMismatchError",
    "UnknownThemeError",
    "LayerNotFoundError",
    "EmptyLayerError",
    "GeometryTypeError",
    "ColumnNotFoundError",
    "DuplicateIdError",
    "InvalidValueError",
    "NotSpatialError",
    "InvalidSettingError",
    "ConfigError",
    "NetworkError",
    "GTFSError",
    "OutputFolderError",
    "LanduseWarning",
    "GeometryRepairWarning",
    "SchematicDataWarning",
    "BufferedGeometryWarning",
    "ColumnFallbackWarning",
    "PartialLossWarning",
]


class LanduseError(Exception):
    """Base class of every error raised on purpose by landuse."""


class InputFileNotFoundError(LanduseError, FileNotFoundError):
    """An input path does not exist."""


class UnreadableFileError(LanduseError, OSError):
    """A file exists but cannot be read as the expected format (corrupt, truncated)."""


class MissingCRSError(LanduseError, ValueError):
    """A layer has no coordinate reference system and none was given."""


class CRSMismatchError(LanduseError, ValueError):
    """A layer is in a CRS that cannot be used, or its coordinates contradict its CRS."""


class UnknownThemeError(LanduseError, ValueError):
    """A theme name is not one of the known themes."""


class LayerNotFoundError(LanduseError, LookupError):
    """A catalogue layer, or a layer inside a multi-layer file, does not exist."""


class EmptyLayerError(LanduseError, ValueError):
    """A layer holds no usable features."""


class GeometryTypeError(LanduseError, TypeError):
    """A layer's geometry type does not fit its theme."""


class ColumnNotFoundError(LanduseError, KeyError):
    """A named column does not exist in a file."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DuplicateIdError(LanduseError, ValueError):
    """Feature ids are not unique."""


class InvalidValueError(LanduseError, ValueError):
    """A column holds missing or invalid values (NULL ids, non-numeric or negative head counts)."""


class NotSpatialError(LanduseError, ValueError):
    """A file holds a plain table (CSV, spreadsheet) where a map layer is needed."""


class InvalidSettingError(LanduseError, ValueError):
    """A setting or option has an unknown name or an invalid value."""


class ConfigError(LanduseError, ValueError):
    """A configuration file (TOML) is missing keys or holds invalid values."""


class NetworkError(LanduseError, ValueError):
    """A road network cannot be built or used."""


class GTFSError(LanduseError, ValueError):
    """A GTFS feed is missing files or columns, or holds invalid values."""


class OutputFolderError(LanduseError, OSError):
    """An output folder cannot be created or written to."""


class LanduseWarning(UserWarning):
    """Base class of landuse warnings."""


class GeometryRepairWarning(LanduseWarning):
    """Geometries were repaired or dropped while loading."""


class SchematicDataWarning(LanduseWarning):
    """A result rests on schematic (non-official) demo data."""


class BufferedGeometryWarning(LanduseWarning):
    """Line or point objects were buffered to polygons."""


class ColumnFallbackWarning(LanduseWarning):
    """No id or name column was found; ids were generated or names left empty."""


class PartialLossWarning(LanduseWarning):
    """Some inputs (origins, features, trips) could not be used and were set aside."""
