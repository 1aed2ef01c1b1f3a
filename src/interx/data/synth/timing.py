"""Time profiles for choreography: easing ramps, pulses, oscillations and smooth noise.

Every function takes times `t` (T,) in seconds and returns (T,) float64 (or
(T, D)); none loops over frames. Easing is minimum-jerk (the profile of
unhurried human reaches: zero velocity and acceleration at both ends).
"""

from __future__ import annotations

import numpy as np


def minjerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing 10u^3 - 15u^4 + 6u^5 of u clipped to [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def ramp(t: np.ndarray, start: float, duration: float) -> np.ndarray:
    """0 before `start`, 1 after `start + duration` (seconds), minimum-jerk between."""
    return minjerk((t - start) / max(duration, 1e-6))


def pulse(t: np.ndarray, start: float, rise: float, hold: float, fall: float) -> np.ndarray:
    """0 -> 1 over `rise` from `start`, 1 for `hold`, back to 0 over `fall` (seconds)."""
    return ramp(t, start, rise) - ramp(t, start + rise + hold, fall)


def window(t: np.ndarray, start: float, end: float) -> np.ndarray:
    """(T,) bool: start <= t < end."""
    return (t >= start) & (t < end)


def travel(t: np.ndarray, start: float, distance: float, speed: float, accel_time: float) -> tuple[np.ndarray, float]:
    """Distance covered (T,) by a walker that accelerates, cruises at `speed` and stops at `distance`.

    Velocity rises from 0 to `speed` over `accel_time` (smoothstep), stays, and
    falls the same way, so motion starts promptly (unlike one minimum-jerk ramp
    over the whole trip) and its onset is sharp in time. A trip too short for
    both ramps shortens them.

    Returns:
        (covered (T,) meters, end time in seconds).
    """
    distance = float(max(distance, 0.0))
    if distance < 1e-6:
        return np.zeros_like(t), start
    accel = min(accel_time, distance / speed)     # each ramp covers speed * accel / 2
    cruise = distance / speed - accel             # time at full speed
    u = t - start
    x_up = np.clip(u / accel, 0.0, 1.0)
    x_down = np.clip((u - accel - cruise) / accel, 0.0, 1.0)
    covered = speed * (accel * (x_up ** 3 - 0.5 * x_up ** 4) + np.clip(u - accel, 0.0, cruise)
                       + accel * (x_down - x_down ** 3 + 0.5 * x_down ** 4))
    return np.minimum(covered, distance), start + cruise + 2.0 * accel


def oscillation(t: np.ndarray, start: float, frequency: float, cycles: float, phase: float = 0.0) -> np.ndarray:
    """sin(2 pi f (t - start) + phase) for `cycles` periods from `start`, 0 outside, eased in and out.

    The envelope rises over the first quarter period and falls over the last,
    so the oscillation starts and ends without a jump in velocity.
    """
    duration = cycles / frequency
    quarter = 0.25 / frequency
    envelope = ramp(t, start, quarter) - ramp(t, start + duration - quarter, quarter)
    return envelope * np.sin(2.0 * np.pi * frequency * (t - start) + phase)


def smooth_noise(rng: np.random.Generator, t: np.ndarray, amplitude: np.ndarray | float, dims: int,
                 low: float = 0.08, high: float = 0.5, terms: int = 3) -> np.ndarray:
    """Slow random drift (T, dims): a sum of `terms` sinusoids per dimension with random
    frequencies in [low, high] Hz and phases, scaled so each dimension's std is about `amplitude`."""
    freqs = rng.uniform(low, high, size=(terms, dims))
    phases = rng.uniform(0.0, 2.0 * np.pi, size=(terms, dims))
    weights = rng.uniform(0.5, 1.0, size=(terms, dims))
    weights *= np.sqrt(2.0) / np.sqrt((weights ** 2).sum(axis=0, keepdims=True))  # unit std per dim
    waves = np.sin(2.0 * np.pi * freqs[None] * t[:, None, None] + phases[None])  # (T, terms, dims)
    return (waves * weights[None]).sum(axis=1) * np.asarray(amplitude, dtype=np.float64)
