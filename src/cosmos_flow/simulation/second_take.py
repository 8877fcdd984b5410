"""The second take of an episode: the same experiment set up again, as a real rig would repeat it.

Physics-IQ measures "physical variance" between two real takes of one experiment. Our second take
re-simulates the episode with the set-up errors a careful person and a simple rig make when they
repeat it (values in parameters_simulation.yml, `simulation.second_take`):

- placement: every object's start position moved by N(0, `position_sigma_m`²) along the floor's x
  and y (heights are fixed by what the object rests on or is released from), and its yaw turned by
  N(0, `yaw_sigma_deg`²);
- launch: an object started with a velocity (the `collide` striker) gets its speed scaled by
  1 + N(0, `speed_sigma_fraction`²) and its direction turned about the vertical by
  N(0, `direction_sigma_deg`²); its spin scales with its speed;
- surfaces: each object's friction and restitution scaled by 1 + N(0, `*_sigma_fraction`²).

The pusher of `push` is driven by commanded actions (a robot repeats them to well under a
millimetre), so it is left as it was. Every draw comes from one seed, so a second take is
reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from cosmos_flow.simulation.scene import ObjectSpec, Scene
from cosmos_flow.simulation.splits import SPLITS

# A multiplier drawn as 1 + N(0, σ²) is kept within these bounds, so a rare draw cannot make a
# friction or a speed negative.
MIN_FACTOR, MAX_FACTOR = 0.5, 1.5


@dataclass
class SecondTakeParams:
    """Which splits get a second take, and how far its set-up may differ (module docstring)."""

    splits: list[str] = field(default_factory=lambda: ["test"])
    position_sigma_m: float = 0.002
    yaw_sigma_deg: float = 2.0
    speed_sigma_fraction: float = 0.02
    direction_sigma_deg: float = 1.0
    friction_sigma_fraction: float = 0.05
    restitution_sigma_fraction: float = 0.05

    def __post_init__(self):
        if set(self.splits) - set(SPLITS):
            raise ValueError(f"simulation.second_take.splits may only name {SPLITS}, got {self.splits}")
        sigmas = {name: value for name, value in vars(self).items() if name != "splits"}
        negative = sorted(name for name, value in sigmas.items() if not value >= 0)
        if negative:
            raise ValueError(
                f"simulation.second_take.{negative[0]} must be zero or positive, got {sigmas[negative[0]]}"
            )


def _factor(rng: np.random.Generator, sigma: float) -> float:
    return float(np.clip(1.0 + rng.normal(0.0, sigma), MIN_FACTOR, MAX_FACTOR))


def _turned_about_z(vector: tuple[float, float, float], angle: float) -> tuple[float, float, float]:
    x, y, z = vector
    return (x * np.cos(angle) - y * np.sin(angle), x * np.sin(angle) + y * np.cos(angle), z)


def _yawed(orientation: tuple[float, float, float, float], angle: float) -> tuple[float, float, float, float]:
    """`orientation` (x, y, z, w) followed by a turn of `angle` about the world's vertical."""
    x, y, z, w = orientation
    s, c = np.sin(angle / 2), np.cos(angle / 2)  # the turn's quaternion is (0, 0, s, c)
    return (c * x - s * y, c * y + s * x, c * z + s * w, c * w - s * z)


def _set_up_again(spec: ObjectSpec, rng: np.random.Generator, params: SecondTakeParams) -> ObjectSpec:
    dx, dy = rng.normal(0.0, params.position_sigma_m, 2)
    yaw = np.radians(rng.normal(0.0, params.yaw_sigma_deg))
    speed, direction = (
        _factor(rng, params.speed_sigma_fraction),
        np.radians(rng.normal(0.0, params.direction_sigma_deg)),
    )
    friction, restitution = (
        _factor(rng, params.friction_sigma_fraction),
        _factor(rng, params.restitution_sigma_fraction),
    )
    x, y, z = spec.position
    moving = any(spec.linear_velocity)
    return replace(
        spec,
        position=(float(x + dx), float(y + dy), float(z)),
        orientation=tuple(float(v) for v in _yawed(spec.orientation, yaw)),
        linear_velocity=tuple(float(speed * v) for v in _turned_about_z(spec.linear_velocity, direction))
        if moving
        else spec.linear_velocity,
        angular_velocity=tuple(float(speed * v) for v in _turned_about_z(spec.angular_velocity, direction))
        if moving
        else spec.angular_velocity,
        friction=spec.friction * friction,
        restitution=min(spec.restitution * restitution, 1.0),
    )


def second_take_scene(scene: Scene, seed: int, params: SecondTakeParams) -> Scene:
    """`scene` set up again with a rig's repeatability errors (module docstring); the pusher is unchanged."""
    rng = np.random.default_rng(seed)
    objects = [spec if spec.role == "pusher" else _set_up_again(spec, rng, params) for spec in scene.objects]
    return replace(scene, objects=objects)
