"""nbgrader's ``CheckCellMetadata``, with its JSON schema checked once per process.

nbgrader validates every cell's ``nbgrader`` metadata with ``jsonschema.validate``, which
checks the schema itself before each cell: two thirds of the validation's time, about
60 ms of every graded NumPy notebook (cProfile, 2026-12-05). This validator checks the same
rules with one validator object built once. nbgrader's own checks (schema version, grade
ids, points, cell types, duplicate ids) run unchanged: only the schema step is replaced,
placed between nbgrader's v3 validator and its base class.
"""
from __future__ import annotations

import functools
import traceback

import jsonschema
from nbgrader.nbgraderformat import ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata


@functools.lru_cache(maxsize=None)
def _schema_checker() -> jsonschema.protocols.Validator:
    schema = MetadataValidatorV3().schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)  # once, not before every cell
    return cls(schema)


class _SchemaOnce(BaseMetadataValidator):
    schema_version = MetadataValidatorV3.schema_version  # the one schema _schema_checker holds

    def validate_cell(self, cell) -> None:  # as BaseMetadataValidator.validate_cell
        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        error = jsonschema.exceptions.best_match(_schema_checker().iter_errors(cell.metadata["nbgrader"]))
        if error is not None:
            raise error


class MetadataValidator(MetadataValidatorV3, _SchemaOnce):
    """nbgrader's v3 rules; the schema step is ``_SchemaOnce``'s (method order: v3, it, base)."""


class CheckCellMetadataOnce(CheckCellMetadata):
    def preprocess(self, nb, resources):  # as nbgrader's, with the validator above
        try:
            MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
