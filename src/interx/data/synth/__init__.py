"""The synthetic Inter-X release: two-person interactions made by choreography, in the raw release layout.

Every one of the 40 classes has a choreography (`choreo`): the two people face
each other (or start as the class needs), the actor moves at a cue and the
reactor answers 0.2-0.6 s later, contacts land on the partner's body surface
(capsules) through analytic two-bone IK, and no body sinks more than 2 cm into
the other. Every sequence is checked on exactly what its files hold before it
is kept.

Public API:
    synthesize_release(root, sequences, seed, append=False, workers=None, progress=None) -> SynthReport
    synthesize_sequences(actions, seed=0, target=None, group=1) -> [(Interaction, SynthMeta)]
    make_sequence(planned, group, seed, target=None) -> (Interaction, SynthMeta)
    describe(action, facts, rng) -> texts;  measure_lag / onset: the timing measurement the checks use
"""

from interx.data.synth.generate import SynthMeta, make_sequence, synthesize_sequences
from interx.data.synth.release import SynthReport, synthesize_release
from interx.data.synth.scene import ContactRecord, Timing, measure_lag, onset
from interx.data.synth.texts import describe

__all__ = ["ContactRecord", "SynthMeta", "SynthReport", "Timing", "describe", "make_sequence", "measure_lag",
           "onset", "synthesize_release", "synthesize_sequences"]
