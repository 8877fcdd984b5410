"""True captions, written from the scene program and what the simulator reports (contacts, states).

Nothing here is guessed: bounces are separations after contact with the floor, hits are impacts
between bodies, "moves" and "stays" come from the recorded trajectories, and directions are given
as a viewer of the first frame sees them.
"""

from __future__ import annotations

import numpy as np

from cosmos_flow.simulation.engine import FLOOR_ID, RAMP_ID, SimulatedEpisode
from cosmos_flow.simulation.scene import FLOOR_COLOUR, Scene

MOVED_M = 0.03  # displacement below which an object "stays where it is"
COUNT_WORDS = {1: "once", 2: "twice", 3: "three times"}


def _the(names: list[str]) -> str:
    return _listing([f"the {name}" for name in names])


def _listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _with_article(name: str) -> str:
    return ("an " if name[0] in "aeiou" else "a ") + name


def _times(count: int) -> str:
    return COUNT_WORDS.get(count, f"{count} times")


class _Facts:
    """Per-object facts of one episode, in words the captions need."""

    def __init__(self, scene: Scene, episode: SimulatedEpisode):
        self.scene, self.episode = scene, episode
        states = episode.states
        self.first = states[states.frame == states.frame.min()].set_index("object_id")
        self.last = states[states.frame == states.frame.max()].set_index("object_id")

    def name(self, object_id: int) -> str:
        return self.scene.objects[object_id].name

    def displacement(self, object_id: int) -> np.ndarray:
        return self.last.loc[object_id, ["x", "y", "z"]].to_numpy(float) - self.first.loc[
            object_id, ["x", "y", "z"]
        ].to_numpy(float)

    def moved(self, object_id: int) -> bool:
        return float(np.linalg.norm(self.displacement(object_id))) >= MOVED_M

    def impacts(self, a: int, b: int) -> int:
        pair = (min(a, b), max(a, b))
        return sum(1 for c in self.episode.contacts if (c.body_a, c.body_b) == pair)

    def bounces(self, object_id: int, surface: int = FLOOR_ID) -> int:
        pair = (min(object_id, surface), max(object_id, surface))
        return sum(1 for s in self.episode.separations if (s.body_a, s.body_b) == pair)

    def hits(self, object_id: int) -> list[int]:
        """Other objects this one struck, in order of the first impact."""
        struck = []
        for contact in self.episode.contacts:
            if object_id in (contact.body_a, contact.body_b):
                other = contact.body_b if contact.body_a == object_id else contact.body_a
                if other >= 0 and other not in struck:
                    struck.append(other)
        return struck

    def screen_direction(self, displacement: np.ndarray) -> str:
        """left / right / away / towards the camera, as seen in the first frame."""
        rotation = self.episode.world_to_camera[0][:3, :3]
        x, _, z = rotation @ displacement
        if abs(x) >= abs(z):
            return "to the right" if x > 0 else "to the left"
        return "away from the camera" if z > 0 else "towards the camera"


def camera_phrase(episode: SimulatedEpisode, motion: str) -> str:
    """How the camera moves, from its recorded poses: 'the camera orbits left', 'stays still', ..."""
    if motion == "static":
        return "the camera stays still"
    first, last = episode.world_to_camera[0], episode.world_to_camera[-1]
    centre_first = -first[:3, :3].T @ first[:3, 3]
    centre_last = -last[:3, :3].T @ last[:3, 3]
    move = first[:3, :3] @ (centre_last - centre_first)  # in the first camera's frame
    if motion == "orbit":
        return "the camera orbits " + ("right" if move[0] > 0 else "left")
    if motion == "dolly":
        return "the camera moves " + ("in" if move[2] > 0 else "back")
    forward_last = last[2, :3]  # the last camera's optical axis, in world coordinates
    turn = first[:3, :3] @ forward_last
    return "the camera pans " + ("right" if turn[0] > 0 else "left")


def _drop(facts: _Facts) -> str:
    objects = range(len(facts.scene.objects))
    opening = (
        f"{_listing([_with_article(facts.name(i)) for i in objects])} "
        f"{'falls' if len(objects) == 1 else 'fall'} onto a {FLOOR_COLOUR[0]} floor"
    )
    outcomes = []
    for i in objects:
        bounces = facts.bounces(i)
        if facts.impacts(i, FLOOR_ID) == 0 and bounces == 0:
            outcomes.append(f"the {facts.name(i)} is still falling at the end")
        elif bounces == 0:
            outcomes.append(f"the {facts.name(i)} lands without bouncing")
        elif facts.scene.objects[i].shape == "sphere":
            outcomes.append(f"the {facts.name(i)} bounces {_times(bounces)}")
        else:  # a box or cylinder leaving the floor on landing is rocking over its edges
            outcomes.append(f"the {facts.name(i)} lands and tumbles")
        for other in facts.hits(i):
            if other > i:
                outcomes.append(f"it hits the {facts.name(other)}")
    return f"{opening}; {', '.join(outcomes)}"


def _collide(facts: _Facts) -> str:
    striker, others = 0, list(range(1, len(facts.scene.objects)))
    stacked = (
        all(facts.scene.objects[i].shape == "box" for i in others)
        and len({round(facts.scene.objects[i].position[0], 3) for i in others}) == 1
    )
    group = _listing([_with_article(facts.name(i)) for i in others])
    if stacked:
        group = f"a stack of {group}"
    opening = f"{_with_article(facts.name(striker))} rolls towards {group}"
    struck = facts.hits(striker)
    if not struck:
        return f"{opening}; it misses them"
    parts = [f"it hits {_the([facts.name(i) for i in struck])}"]
    moved = [facts.name(i) for i in others if facts.moved(i)]
    still = [facts.name(i) for i in others if not facts.moved(i)]
    if moved:
        parts.append(f"{_the(moved)} {'moves' if len(moved) == 1 else 'move'}")
    if still:
        parts.append(f"{_the(still)} {'stays' if len(still) == 1 else 'stay'} in place")
    return f"{opening}; " + "; ".join(parts)


def _ramp(facts: _Facts) -> str:
    ramp = facts.scene.ramp
    objects = range(len(facts.scene.objects))
    opening = (
        f"{_listing([_with_article(facts.name(i)) for i in objects])} "
        f"{'starts' if len(objects) == 1 else 'start'} on a {ramp.angle_deg:.0f}-degree ramp"
    )
    outcomes = []
    for i in objects:
        if not facts.moved(i):
            outcomes.append(f"the {facts.name(i)} stays where it is")
            continue
        verb = "slides" if facts.scene.objects[i].shape == "box" else "rolls"
        reached = facts.impacts(i, FLOOR_ID) > 0 or any(
            {s.body_a, s.body_b} == {i, RAMP_ID} for s in facts.episode.separations
        )
        outcomes.append(f"the {facts.name(i)} {verb} down" + (" onto the floor" if reached else " the ramp"))
    return f"{opening}; {', '.join(outcomes)}"


def _push(facts: _Facts) -> str:
    pusher = next(i for i, spec in enumerate(facts.scene.objects) if spec.role == "pusher")
    touched = set(facts.hits(pusher))
    pushed, knocked, still = [], [], []
    for i in range(len(facts.scene.objects)):
        if i == pusher:
            continue
        if not facts.moved(i):
            still.append(f"the {facts.name(i)} stays in place")
        elif i in touched:
            pushed.append(f"the {facts.name(i)} {facts.screen_direction(facts.displacement(i))}")
        else:  # moved without the pusher touching it: another object knocked it
            knocked.append(f"the {facts.name(i)} is knocked {facts.screen_direction(facts.displacement(i))}")
    opening = f"a {facts.name(pusher)} " + (
        f"pushes {_listing(pushed)}" if pushed else "moves without pushing anything"
    )
    return "; ".join([opening, *knocked, *still])


def _orbit(facts: _Facts) -> str:
    names = _listing([_with_article(facts.name(i)) for i in range(len(facts.scene.objects))])
    phrase = camera_phrase(facts.episode, facts.scene.camera.motion)
    relation = {"orbit": "around", "pan": "across"}.get(
        facts.scene.camera.motion, "towards" if phrase.endswith(" in") else "away from"
    )
    return f"{phrase} {relation} {names} on a textured floor"


CAPTIONERS = {"drop": _drop, "collide": _collide, "ramp": _ramp, "push": _push, "orbit": _orbit}


def caption(scene: Scene, episode: SimulatedEpisode) -> str:
    """One sentence that is true of this episode."""
    text = CAPTIONERS[scene.scenario](_Facts(scene, episode))
    if scene.scenario != "orbit" and scene.camera.motion != "static":
        text += f"; {camera_phrase(episode, scene.camera.motion)}"
    return text[0].upper() + text[1:] + "."
