"""Wiring of the tokenizer pipeline: the same three nodes for the continuous (cv) and discrete (dv) tokenizer."""

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.tokenizer import nodes


def _for_kind(function, kind: str):
    """`function` with its first argument bound to `kind`, keeping its name for Kedro's logs."""
    return update_wrapper(partial(function, kind), function)


def _head(kind: str) -> list[Node]:
    params = "params:tokenizer"
    return [
        Node(
            _for_kind(nodes.train, kind),
            ["training_clips", params],
            f"tokenizer_{kind}_module",
            name=f"train_tokenizer_{kind}",
        ),
        Node(
            nodes.evaluate,
            [f"tokenizer_{kind}_module", "training_clips", params],
            f"tokenizer_{kind}_metrics",
            name=f"evaluate_tokenizer_{kind}",
        ),
        Node(
            _for_kind(nodes.package, kind),
            [f"tokenizer_{kind}_module", f"tokenizer_{kind}_metrics", "training_clips", params],
            f"tokenizer_{kind}",
            name=f"save_tokenizer_{kind}",
        ),
    ]


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            # The one training clip table: the diffusion and autoregressive pipelines read it too.
            Node(
                nodes.build_training_clip_table,
                ["clips_manifest", "videos_manifest", "sim_episodes", "params:tokenizer"],
                "training_clips",
                name="build_training_clip_table",
            ),
            *_head("cv"),
            *_head("dv"),
            Node(
                nodes.report,
                ["tokenizer_cv_metrics", "tokenizer_dv_metrics"],
                ["tokenizer_metrics", "tokenizer_quality_plot"],
                name="report_tokenizers",
            ),
        ]
    )
