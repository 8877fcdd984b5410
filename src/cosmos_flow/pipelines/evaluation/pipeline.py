"""Wiring of the evaluation pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.evaluation import nodes


def create_pipeline(**kwargs) -> Pipeline:
    evaluation = "params:evaluation"
    return Pipeline(
        [
            Node(
                nodes.evaluate_physics_alignment,
                ["sim_episodes", evaluation],
                ["evaluation_physics_episodes", "evaluation_examples", "evaluation_physics_stats"],
                name="evaluate_physics_alignment",
            ),
            Node(nodes.evaluate_3d_consistency, ["sim_episodes", evaluation], ["evaluation_geometry_episodes", "evaluation_geometry_stats"], name="evaluate_3d_consistency"),
            Node(
                nodes.report_evaluation,
                ["evaluation_physics_episodes", "evaluation_geometry_episodes", "evaluation_examples", evaluation, "evaluation_physics_stats", "evaluation_geometry_stats"],
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
