"""Descriptions of a synthetic interaction, from a label-like line to a detailed one.

`describe(action, facts, rng)` returns three lines consistent with the motion's
parameters (`facts` recorded by the choreography: which hand, how often, who
answers how). Texts name the people as "one person" and "the other", never by
file: as in Inter-X, "the first person" of a text need not be P1.
"""

from __future__ import annotations

import re

import numpy as np

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def times(n: int) -> str:
    """'once', 'twice', 'three times', ..."""
    n = int(n)
    return {1: "once", 2: "twice"}.get(n, f"{_NUMBERS[n] if n < len(_NUMBERS) else n} times")


def number(n: int) -> str:
    n = int(n)
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def about(seconds: float) -> str:
    """'about a second', 'about three seconds'."""
    n = max(int(round(seconds)), 1)
    return "about a second" if n == 1 else f"about {number(n)} seconds"


def _sentences(text: str) -> str:
    """Capitalise the start of the text and of every sentence in it."""
    text = " ".join(text.split())
    return re.sub(r"(^|[.!?] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def _pick(rng: np.random.Generator, *options: str) -> str:
    return options[int(rng.integers(len(options)))]


def _texts(action: int, f: dict, rng: np.random.Generator) -> tuple[str, str, str]:
    A = _pick(rng, "one person", "a person", "the first person")
    B = _pick(rng, "the other person", "the other", "the second person")
    hand = f"{f.get('hand', 'right')} hand"
    if action == 0:
        walk = f"walks up to {B} and " if f["walk"] else ""
        sway = " and they rock gently from side to side" if f["sway"] else ""
        return ("Two people hug.",
                f"{A} {walk}hugs {B}, who hugs back.",
                f"{A} {walk}opens their arms and wraps them around {B}; {B} hugs back with one arm over the "
                f"shoulder, they hold each other for {about(f['seconds'])}{sway}, then let go.")
    if action == 1:
        walk = f"walks over to {B} and " if f["approach"] else ""
        return ("Two people shake hands.",
                f"{A} {walk}offers the {hand} and {B} shakes it.",
                f"{A} {walk}holds out the {hand}; {B} takes it with the {hand} and they shake hands "
                f"{times(f['shakes'])} before letting go.")
    if action == 2:
        return ("Two people wave at each other.",
                f"{A} waves at {B} with the {hand}, and {B} waves back.",
                f"Standing a few steps apart, {A} raises the {hand} and waves {times(f['waves'])}; {B} answers "
                f"by waving with the {f['reply_hand']} hand.")
    if action == 3:
        return ("One person grabs the other's arm.",
                f"{A} grabs {B} by the {f['arm']} arm with the {hand}.",
                f"{A} reaches out with the {hand} and grabs {B}'s {f['arm']} arm; {B} tries to pull the arm "
                f"away and leans back, but {A} holds on for {about(f['seconds'])}.")
    if action == 4:
        return ("One person hits the other.",
                f"{A} punches {B} in the {f['target']} with the {hand}.",
                f"{A} raises both fists and throws a punch with the {hand} into {B}'s {f['target']}; {B} "
                f"recoils and clutches the spot.")
    if action == 5:
        return ("One person kicks the other.",
                f"{A} kicks {B} in the {f['target']} with the {f['leg']} leg.",
                f"{A} lifts the {f['leg']} knee and kicks {B}'s {f['target']}; {B} doubles over and grabs "
                f"the leg.")
    if action == 6:
        poses = ", then ".join(p.replace("_", " ") for p in f["poses"])
        return ("One person poses for the other.",
                f"{A} strikes poses while {B} takes a picture.",
                f"{A} poses ({poses}) while {B} holds up both hands in front of the face as if taking a photo.")
    if action == 7:
        return ("One person pushes the other.",
                f"{A} pushes {B} in the chest with both hands.",
                f"{A} shoves {B}'s chest with both palms, and {B} is pushed back about "
                f"{f['distance']:.1f} meters.")
    if action == 8:
        return ("One person pulls the other along.",
                f"{A} takes {B} by the hand and pulls them along.",
                f"{A} grabs {B}'s hand with the {hand} and walks backwards about {f['meters']:.1f} meters, "
                f"pulling {B}, who follows.")
    if action == 9:
        return ("One person sits on the other's leg.",
                f"{B} crouches and {A} sits down on their thighs.",
                f"{A} walks over and turns around while {B} squats as if on a chair; {A} sits on {B}'s legs "
                f"for {about(f['seconds'])}, then stands up.")
    if action == 10:
        return ("One person slaps the other.",
                f"{A} slaps {B} in the face with the {hand}.",
                f"{A} swings the {hand} and slaps {B} across the cheek; {B}'s head turns and a hand goes to the "
                f"cheek.")
    if action == 11:
        return ("One person pats the other on the back.",
                f"{A} steps beside {B} and pats their back.",
                f"{A} walks around to {B}'s side and pats {B}'s upper back {times(f['taps'])} with the {hand}; "
                f"{B} turns toward {A}.")
    if action == 12:
        answer = ("leans back with both hands up" if f["answer"] == "hands_up" else "points at themselves")
        return ("One person points at the other.",
                f"{A} points a finger at {B} with the {hand}.",
                f"{A} raises the {hand} and points the index finger at {B}"
                f"{', jabbing it ' + times(f['jabs']) if f['jabs'] else ''}; {B} {answer}.")
    if action == 13:
        both = "they walk toward each other" if f["halfway"] else f"{A} walks toward {B}"
        meets = f"{B} walks to meet them and " if f["halfway"] else ""
        return ("Two people walk toward each other." if f["halfway"] else "One person walks toward the other.",
                f"Starting {f['meters']:.1f} meters apart, {both}.",
                f"{A} starts walking toward {B} from about {f['meters']:.1f} meters away; {meets}they stop "
                f"facing each other.")
    if action == 14:
        return ("One person knocks the other over.",
                f"{A} shoves {B} hard and {B} falls down.",
                f"{A} pushes {B} in the chest with both hands; {B} stumbles back about {f['distance']:.1f} "
                f"meters and falls to the ground, catching themselves with both hands.")
    if action == 15:
        return ("One person steps on the other's foot.",
                f"{A} steps on {B}'s {f['foot']} foot.",
                f"{A} lifts the {f['leg']} foot and presses it onto {B}'s {f['foot']} foot for about "
                f"{f['seconds']:.1f} seconds; {B} winces and raises the hands.")
    if action == 16:
        hands = "both hands" if f["double"] else f"the {hand}"
        return ("Two people give each other a high five.",
                f"{A} raises {hands} and {B} high-fives it.",
                f"{A} {'walks up and ' if f['approach'] else ''}holds up {hands}; {B} lifts the same and they "
                f"slap their palms together above their heads.")
    if action == 17:
        end = f"and catches {B}, touching their back" if f["caught"] else f"but does not catch {B}"
        return ("One person chases the other.",
                f"{A} runs after {B}, who runs away.",
                f"{A} starts running toward {B}; {B} turns and flees, and {A} chases them for "
                f"{about(f['seconds'])} {end}.")
    if action == 18:
        return ("One person whispers in the other's ear.",
                f"{A} leans to {B}'s {f['side']} ear and whispers.",
                f"{A} walks close, leans in toward {B}'s {f['side']} ear with a hand cupped by the mouth and "
                f"whispers; {B} tilts the head to listen.")
    if action == 19:
        return ("One person supports the other.",
                f"{A} stumbles and {B} catches them by the arms.",
                f"{A} loses balance and stumbles forward; {B} steps in and supports {A} with both hands on the "
                f"upper arms until {A} is steady.")
    if action == 20:
        throws = "; ".join(f"{x} against {y}" for x, y in f["throws"])
        return ("Two people play rock-paper-scissors.",
                f"{A} and {B} play {number(f['rounds'])} round{'s' if f['rounds'] > 1 else ''} of "
                f"rock-paper-scissors.",
                f"{A} raises a fist and {B} joins in; they pump their fists three times and throw ({throws}).")
    if action == 21:
        hands = "both hands" if f["both_hands"] else "one hand"
        return ("Two people dance together.",
                f"{A} takes {B}'s {hands} and they dance.",
                f"Holding {hands}, {A} and {B} sway and step to a beat, turning around each other to the "
                f"{f['direction']} for {about(f['seconds'])}.")
    if action == 22:
        return ("Two people link arms.",
                f"{A} hooks an arm through {B}'s and they walk together.",
                f"{A} comes to {B}'s side and lays a hand on {B}'s bent arm; arm in arm, they walk about "
                f"{f['meters']:.1f} meters forward.")
    if action == 23:
        return ("Two people stand shoulder to shoulder.",
                f"{A} stands beside {B} and they lean their shoulders together.",
                f"{A} comes to stand next to {B}; they lean against each other shoulder to shoulder for "
                f"{about(f['seconds'])}.")
    if action == 24:
        depth = "deeply" if f["deep"] else "slightly"
        hands = " with the hands folded in front" if f["hands"] else ""
        return ("Two people bow to each other.",
                f"{A} bows to {B}, and {B} bows back.",
                f"{A} bends forward {depth}{hands}; {B} returns the bow a moment later.")
    if action == 25:
        return ("One person gives the other a piggyback.",
                f"{A} turns around and bends so that {B} can climb on their back.",
                f"{A} walks over, turns their back to {B} and bends forward, hands on the thighs; {B} leans "
                f"onto {A}'s back with both hands on the shoulders for {about(f['seconds'])}.")
    if action == 26:
        return ("One person massages the other's shoulders.",
                f"{A} stands behind {B} and massages their shoulders.",
                f"{A} walks up behind {B} and kneads {B}'s shoulders with both hands {times(f['kneads'])}; "
                f"{B} relaxes and leans back.")
    if action == 27:
        return ("One person massages the other's leg.",
                f"{A} crouches and massages {B}'s {f['leg']} thigh.",
                f"{A} crouches in front of {B} and kneads {B}'s {f['leg']} thigh with both hands "
                f"{times(f['kneads'])}, while {B} puts a hand on the hip.")
    if action == 28:
        winner = A if f["winner"] == "actor" else B
        return ("Two people arm-wrestle standing.",
                f"{A} and {B} clasp {hand}s and push against each other.",
                f"Clasping their {hand}s, {A} and {B} push back and forth {times(f['bouts'])} until "
                f"{winner} forces the other's hand aside.")
    if action == 29:
        listen = "folds their arms" if f["listening"] == "folded" else "rests a hand on the chin"
        return ("Two people chat.",
                f"{A} and {B} talk to each other, gesturing.",
                f"{A} starts talking with hand gestures while {B} {listen} and listens; they take "
                f"{number(f['turns'])} turns speaking.")
    if action == 30:
        return ("One person pats the other's cheek.",
                f"{A} pats {B}'s cheek with the {hand}.",
                f"{A} reaches out and pats {B} on the cheek {times(f['taps'])} with the {hand}; {B} clasps the "
                f"hands shyly.")
    if action == 31:
        both = "both thumbs" if f["both"] else f"a thumb with the {hand}"
        return ("One person gives the other a thumbs up.",
                f"{A} gives {B} {both} up, and {B} answers in kind.",
                f"{A} holds out {both} up toward {B}; {B} nods and raises the {f['reply_hand']} thumb too.")
    if action == 32:
        return ("One person touches the other's head.",
                f"{A} puts the {hand} on {B}'s head.",
                f"{A} reaches out and lays the {hand} on top of {B}'s head for {about(f['seconds'])}; {B} bows "
                f"the head a little.")
    if action == 33:
        moves = ", ".join(m.replace("_", " ") for m in f["moves"])
        return ("One person imitates the other.",
                f"{B} copies what {A} does.",
                f"{A} makes {number(len(f['moves']))} moves ({moves}) and {B} mirrors each one right after.")
    if action == 34:
        return ("One person kisses the other on the cheek.",
                f"{A} leans in and kisses {B}'s {f['side']} cheek.",
                f"{A} walks up to {B}, leans forward and kisses {B} on the {f['side']} cheek; {B} turns the "
                f"cheek toward {A}.")
    if action == 35:
        return ("One person helps the other up.",
                f"{A} gives {B} a hand and pulls them up.",
                f"{B} is crouching on the ground; {A} holds out the {hand}, {B} takes it and {A} pulls {B} "
                f"up to standing.")
    if action == 36:
        return ("One person covers the other's mouth.",
                f"{A} covers {B}'s mouth with the {hand}.",
                f"{A} puts the {hand} over {B}'s mouth and holds it there for {about(f['seconds'])}; {B} raises "
                f"both hands in surprise.")
    if action == 37:
        way = "turns all the way around" if f["turned_around"] else f"looks back over the {f['over']} shoulder"
        return ("One person looks back at the other.",
                f"{A} waves from behind and {B} {way}.",
                f"{B} stands with their back to {A}; {A} waves the {hand} and {B} {way} toward {A}.")
    if action == 38:
        return ("One person blocks the other's punch.",
                f"{A} punches at {B}, who blocks with an arm.",
                f"{A} throws a punch with the {hand}; {B} raises the {f['block_hand']} forearm in front of the "
                f"face and blocks it.")
    if action == 39:
        return ("One person blows the other a kiss.",
                f"{A} blows a kiss to {B}, who catches it.",
                f"{A} kisses the {hand} and throws the kiss toward {B}; {B} catches it with the "
                f"{f['reply_hand']} hand and brings it to the chest.")
    raise ValueError(f"no texts for action {action}")


def describe(action: int, facts: dict, rng: np.random.Generator) -> tuple[str, ...]:
    """Three descriptions (brief, medium, detailed) of one interaction of class `action`."""
    return tuple(_sentences(text) for text in _texts(action, facts, rng))
