"""Wiring of the simulation pipeline."""

from kedro.pipeline import Node, Pipeline

from cosmos_flow.pipelines.simulation.nodes import simulate_episodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                simulate_episodes,
                ["params:simulation", "params:simulation_output_dir"],
                ["sim_episodes", "simulation_metrics"],
                name="simulate_episodes",
            ),
        ]
    )
