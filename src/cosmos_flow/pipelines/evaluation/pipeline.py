"""Wiring of the evaluation pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.evaluation import nodes

# The saved models the evaluation scores (it finds them on disk). As inputs they make a combined run (the
# default `kedro run`) evaluate after the model pipelines have saved them; missing ones load as None.
MODELS = ["tokenizer_cv", "diffusion_t2w", "diffusion_v2w", "ar_video", "ar_v2w"]


def create_pipeline(**kwargs) -> Pipeline:
    evaluation = "params:evaluation"
    return Pipeline(
        [
            Node(
                nodes.evaluate_physics_alignment,
                ["sim_episodes", evaluation, *MODELS],
                ["evaluation_physics_episodes", "evaluation_examples", "evaluation_physics_stats"],
                name="evaluate_physics_alignment",
            ),
            Node(
                nodes.evaluate_3d_consistency,
                ["sim_episodes", evaluation, *MODELS],
                ["evaluation_geometry_episodes", "evaluation_geometry_stats"],
                name="evaluate_3d_consistency",
            ),
            Node(
                nodes.report_evaluation,
                [
                    "evaluation_physics_episodes",
                    "evaluation_geometry_episodes",
                    "evaluation_examples",
                    evaluation,
                    "evaluation_physics_stats",
                    "evaluation_geometry_stats",
                ],
                [
                    "evaluation_metrics",
                    "evaluation_table",
                    "evaluation_geometry_table",
                    "evaluation_metric_bars",
                    "evaluation_geometry_bars",
                    "evaluation_examples_plot",
                    "evaluation_report",
                ],
                name="report_evaluation",
            ),
        ]
    )
