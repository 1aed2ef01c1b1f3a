"""One choreography per Inter-X class: `CHOREOGRAPHIES[action](context) -> Scene`.

Families: `meet` (hands meeting between the two), `touch` (a hand or foot on the
partner), `together` (close-body interactions), `gesture` (at a distance, no
touch) and `locomotion` (walking, chasing).
"""

from __future__ import annotations

from collections.abc import Callable

from interx.data.synth.choreo import gesture, locomotion, meet, together, touch
from interx.data.synth.choreo.common import Context
from interx.data.synth.scene import Scene

CHOREOGRAPHIES: dict[int, Callable[[Context], Scene]] = {
    0: together.hug, 1: meet.handshake, 2: gesture.wave, 3: touch.grab, 4: touch.hit, 5: touch.kick,
    6: gesture.posing, 7: touch.push, 8: meet.pull, 9: together.sit_on_leg, 10: touch.slap, 11: touch.pat_on_back,
    12: gesture.point_at, 13: locomotion.walk_towards, 14: touch.knock_over, 15: touch.step_on_foot,
    16: meet.high_five, 17: locomotion.chase, 18: together.whisper, 19: touch.support,
    20: gesture.rock_paper_scissors, 21: together.dance, 22: together.link_arms, 23: together.shoulder_to_shoulder,
    24: gesture.bow, 25: together.carry_on_back, 26: touch.massage_shoulder, 27: touch.massage_leg,
    28: meet.hand_wrestling, 29: gesture.chat, 30: touch.pat_on_cheek, 31: gesture.thumb_up, 32: touch.touch_head,
    33: gesture.imitate, 34: together.kiss_on_cheek, 35: meet.help_up, 36: touch.cover_mouth, 37: gesture.look_back,
    38: touch.block, 39: gesture.fly_kiss,
}

__all__ = ["CHOREOGRAPHIES", "Context"]
