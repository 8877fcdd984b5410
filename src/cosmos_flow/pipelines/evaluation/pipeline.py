"""Wiring of the evaluation pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.evaluation import nodes

# The world models the evaluation scores, as the catalog loads them ready to generate (a folder that holds no
# model yet loads as None and is left out). Being inputs, they also make a combined run evaluate after the model
# pipelines have saved them (`<name>@artifact` and `<name>@world_model` are one folder to Kedro).
WORLD_MODELS = ["diffusion_t2w@world_model", "diffusion_v2w@world_model", "ar_video@world_model", "ar_v2w@world_model"]


def create_pipeline(**kwargs) -> Pipeline:
    evaluation = "params:evaluation"
    return Pipeline(
        [
            Node(
                nodes.evaluate_physics_alignment,
                ["sim_episodes", evaluation, nodes.TOKENIZER, *WORLD_MODELS],
                ["evaluation_physics_episodes", "evaluation_examples", "evaluation_physics_stats"],
                name="evaluate_physics_alignment",
            ),
            Node(
                nodes.evaluate_3d_consistency,
                ["sim_episodes", evaluation, *WORLD_MODELS],
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
