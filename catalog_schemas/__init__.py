"""The catalog metadata standard: code lists, identifier rules and marshmallow schemas.

Framework-free: imports only marshmallow and the standard library, so the API,
the importers and the exports all validate a catalog entry the same way.
"""

from .catalog import (
    OPEN_TYPES,
    DataItemSchema,
    ResourceSchema,
    catalog_entry_errors,
)
from .codes import LocalCodes, configure_local_codes, local_codes
from .identifiers import (
    credit_code_check_char,
    credit_code_error,
    format_resource_code,
    resource_code_error,
)

__all__ = [
    "OPEN_TYPES",
    "DataItemSchema",
    "LocalCodes",
    "ResourceSchema",
    "catalog_entry_errors",
    "configure_local_codes",
    "credit_code_check_char",
    "credit_code_error",
    "format_resource_code",
    "local_codes",
    "resource_code_error",
]
