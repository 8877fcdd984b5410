"""What a scene is: objects, scenery, camera path and actions, as plain data.

Scenario generators (scenarios.py) write these; the engine (engine.py) simulates and renders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cosmos_flow.simulation.camera import Lens

# Distinct colours that stay distinct at 64x64 under lighting (RGB in [0, 1]).
PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (0.85, 0.12, 0.10),
    "green": (0.15, 0.70, 0.20),
    "blue": (0.12, 0.25, 0.90),
    "yellow": (0.95, 0.85, 0.10),
    "magenta": (0.85, 0.15, 0.75),
    "cyan": (0.10, 0.80, 0.85),
    "orange": (0.95, 0.50, 0.05),
    "white": (0.95, 0.95, 0.95),
}
FLOOR_COLOUR = ("grey", (0.55, 0.55, 0.55))
PUSHER_COLOUR = ("dark grey", (0.25, 0.25, 0.28))
SHAPE_NOUNS = {"sphere": "ball", "box": "box", "cylinder": "cylinder"}

# The action vector of every episode (zeros where a family has no such control):
# end effector displacement this frame (metres, world) and push flag, then the camera's motion to
# the next frame (translation, axis-angle rotation; camera-frame, OpenCV convention).
ACTION_NAMES = (
    "effector_dx",
    "effector_dy",
    "effector_dz",
    "push",
    "camera_tx",
    "camera_ty",
    "camera_tz",
    "camera_rx",
    "camera_ry",
    "camera_rz",
)
ACTION_DIM = len(ACTION_NAMES)


@dataclass
class ObjectSpec:
    """One rigid body. Sizes in metres: sphere (radius,), box half extents (x, y, z), cylinder (radius, height)."""

    shape: str
    size: tuple[float, ...]
    colour: str
    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    mass: float = 1.0
    restitution: float = 0.3
    friction: float = 0.5
    rolling_friction: float = 0.001
    linear_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    angular_velocity: tuple[float, float, float] = (0.0, 0.0, 0.0)
    textured: bool = False
    role: str = "object"  # "object", or "pusher" for the kinematic end effector

    @property
    def name(self) -> str:
        noun = "pusher" if self.role == "pusher" else SHAPE_NOUNS[self.shape]
        return f"{self.colour} {noun}"

    @property
    def extents(self) -> tuple[float, float, float]:
        """Full axis-aligned size in the object's own frame."""
        if self.shape == "sphere":
            return (2 * self.size[0],) * 3
        if self.shape == "box":
            return tuple(2 * half for half in self.size)
        return (2 * self.size[0], 2 * self.size[0], self.size[1])

    @property
    def rgb(self) -> tuple[float, float, float]:
        return PUSHER_COLOUR[1] if self.role == "pusher" else PALETTE[self.colour]


@dataclass
class Ramp:
    """A static inclined plane: rises along -x by `angle_deg`, its low edge at x = `foot_x`."""

    angle_deg: float
    length: float = 1.2
    width: float = 0.8
    thickness: float = 0.04
    foot_x: float = 0.3
    friction: float = 0.5


@dataclass
class CameraPath:
    """Per-frame eye and look-at target (world, metres) and a description of the motion."""

    eyes: np.ndarray  # (T, 3)
    targets: np.ndarray  # (T, 3)
    motion: str = "static"  # static | orbit left/right | dolly in/out | pan left/right
    lens: Lens = field(default_factory=Lens)


@dataclass
class Scene:
    """Everything the engine needs to simulate and render one episode."""

    scenario: str
    objects: list[ObjectSpec]
    camera: CameraPath
    effector_targets: np.ndarray | None = None  # (T, 3) pusher positions, for `push`
    push_flags: np.ndarray | None = None  # (T,) 1 while the pusher is in its stroke
    ramp: Ramp | None = None
    textured_floor: bool = False
    texture_seed: int = 0
    settle_s: float = 0.0  # simulate this long before frame 0, so resting objects are at rest
