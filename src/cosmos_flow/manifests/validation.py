"""Great Expectations suites over the manifests, run in-process (an ephemeral GX context)."""

from __future__ import annotations

import logging
import os

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
import great_expectations as gx  # noqa: E402  (after the analytics switch)
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from cosmos_flow.manifests.contracts import CONTRACTS, REJECT_REASONS, VIDEO_SOURCES  # noqa: E402

log = logging.getLogger(__name__)


class ManifestValidationError(ValueError):
    """A manifest failed one or more expectations; the message lists each failure."""


def videos_expectations() -> list:
    """What must hold of every videos manifest."""
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(CONTRACTS["videos"]), exact_match=False),
        gxe.ExpectColumnValuesToNotBeNull(column="video_id"),
        gxe.ExpectColumnValuesToBeUnique(column="video_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="video_id", regex=r"^[0-9a-f]{16}$"),
        gxe.ExpectColumnValuesToNotBeNull(column="path"),
        gxe.ExpectColumnValuesToBeUnique(column="path"),
        gxe.ExpectColumnValuesToBeInSet(column="source", value_set=list(VIDEO_SOURCES)),
        gxe.ExpectColumnValuesToBeBetween(column="width", min_value=1, max_value=16384),
        gxe.ExpectColumnValuesToBeBetween(column="height", min_value=1, max_value=16384),
        gxe.ExpectColumnValuesToBeBetween(column="fps", min_value=0, max_value=1000, strict_min=True),
        gxe.ExpectColumnValuesToBeBetween(column="num_frames", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="duration_s", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToNotBeNull(column="codec"),
        gxe.ExpectColumnValuesToBeInSet(column="has_audio", value_set=[True, False]),
    ]


def clips_expectations(min_clip_s: float) -> list:
    """What must hold of every clips manifest. Expects three helper columns beside the contract's:
    `source` (of the clip's video), `duration_s` and `decodes` (whether a kept clip's file opens
    and decodes)."""
    kept = {"row_condition": "kept == True", "condition_parser": "pandas"}
    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(CONTRACTS["clips"]), exact_match=False),
        gxe.ExpectColumnValuesToBeUnique(column="clip_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="video_id"),
        gxe.ExpectColumnValuesToBeBetween(column="start_frame", min_value=0),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="end_frame", column_B="start_frame", or_equal=False),
        gxe.ExpectColumnValuesToBeBetween(column="fps", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToBeInSet(column="reject_reason", value_set=list(REJECT_REASONS)),
        gxe.ExpectColumnValuesToBeNull(column="reject_reason", **kept),
        gxe.ExpectColumnValuesToNotBeNull(column="path", **kept),
        gxe.ExpectColumnValuesToNotBeNull(column="caption", **kept),
        gxe.ExpectColumnValuesToBeInSet(column="decodes", value_set=[True], **kept),
        gxe.ExpectColumnValuesToBeBetween(column="quality_score", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="text_score", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="motion_score", min_value=0),
        # Simulation episodes are whole, single-shot clips by construction and may be shorter.
        gxe.ExpectColumnValuesToBeBetween(
            column="duration_s",
            min_value=min_clip_s - 1e-6,
            row_condition='kept == True and source != "sim"',
            condition_parser="pandas",
        ),
    ]


def validate(frame: pd.DataFrame, name: str, expectations: list) -> None:
    """Run `expectations` on `frame`; raise ManifestValidationError naming every one that failed."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # one line per run, not per metric
    batch = context.data_sources.add_pandas(name).add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(gx.ExpectationSuite(name=f"{name}_suite", expectations=expectations))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite)
    )
    result = validation.run(batch_parameters={"dataframe": frame})
    failures = [_describe_failure(item) for item in result.results if not item.success]
    if failures:
        raise ManifestValidationError(
            f"the {name} manifest failed {len(failures)} expectation(s):\n  " + "\n  ".join(failures)
        )
    log.info("the %s manifest passed %d expectations over %d rows", name, len(result.results), len(frame))


def _describe_failure(item) -> str:
    config = item.expectation_config
    column = config.kwargs.get("column")
    where = f" on column {column!r}" if column else ""
    detail = item.result or {}
    examples = detail.get("partial_unexpected_list")
    count = detail.get("unexpected_count")
    if item.exception_info and item.exception_info.get("raised_exception"):
        return f"{config.type}{where} could not run: {item.exception_info.get('exception_message')}"
    shown = f": {count} unexpected value(s), e.g. {examples[:5]}" if examples else (f": {detail}" if detail else "")
    return f"{config.type}{where} failed{shown}"
