"""Which body parts of two people touch, frame by frame, for highlighting.

An adapter over the evaluation's contact definition (`interx.eval.interaction`):
capsule gaps from `pair_capsule_gaps`, restricted to the contact-capable
capsules (`interx.body.capsules.CONTACT_CAPABLE`) exactly as
`interaction_metrics` counts contact, so a video marks the frames the contact
metrics count.
"""

from __future__ import annotations

import numpy as np

from interx.body.capsules import CONTACT_CAPABLE
from interx.eval.interaction import CONTACT_THRESHOLD, contact_frames, pair_capsule_gaps


def touching(joints: np.ndarray, threshold: float = CONTACT_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Contact frames and the capsules in contact.

    Args:
        joints: (T, 2, 55, 3) world joints, meters.
        threshold: surface gap in meters at or under which two capsules touch.

    Returns:
        contact (T,) bool, and parts (T, 2, C) bool over all C capsules: capsule c of
        person p is contact-capable and touches a contact-capable capsule of the other.
    """
    gaps = pair_capsule_gaps(joints)                                    # (T, C, C)
    capable = CONTACT_CAPABLE[:, None] & CONTACT_CAPABLE[None, :]
    touch = (gaps <= threshold) & capable
    parts = np.stack([touch.any(axis=2), touch.any(axis=1)], axis=1)   # (T, 2, C)
    capable_idx = np.flatnonzero(CONTACT_CAPABLE)
    return contact_frames(gaps[:, capable_idx][:, :, capable_idx], threshold), parts
