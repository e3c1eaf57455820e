"""Where the local planner cuts a prompt into scenes: sentence ends and clear temporal markers only."""

import pytest

from aiprod_assets.planning.beats import marks_time_passing, story_beats

PROMPTS = [
    # (prompt, the beats it must give)
    ("An old lighthouse keeper climbs the spiral stairs at dusk and lights the lamp as a storm rolls in.",
     ["An old lighthouse keeper climbs the spiral stairs at dusk and lights the lamp as a storm rolls in."]),
    ("A white ceramic mug on a wooden table, steam curling up in soft morning light.",
     ["A white ceramic mug on a wooden table, steam curling up in soft morning light."]),
    ("A courier runs along neon-lit alleys at night. Then she rushes across a crowded market as rain begins. "
     "Finally she reaches the rooftop and looks up at the skyline.",
     ["A courier runs along neon-lit alleys at night.", "Then she rushes across a crowded market as rain begins.",
      "Finally she reaches the rooftop and looks up at the skyline."]),
    ("A child reads under a blanket while the wind howls outside.",
     ["A child reads under a blanket while the wind howls outside."]),
    ("The dancer spins as the lights dim, then bows to an empty hall.",
     ["The dancer spins as the lights dim", "then bows to an empty hall."]),
    ("She opens the door, then steps into the rain and later waits at the bus stop.",
     ["She opens the door", "then steps into the rain", "later waits at the bus stop."]),
    ("A fox waits while the snow falls; meanwhile the hunters gather at the lodge.",
     ["A fox waits while the snow falls", "meanwhile the hunters gather at the lodge."]),
    ("The train arrives later than planned.", ["The train arrives later than planned."]),
    ("As night falls the city lights up.", ["As night falls the city lights up."]),
    ("While the kettle boils, a cat watches the window.", ["While the kettle boils, a cat watches the window."]),
    ("He talks \u2014 then silence.", ["He talks", "then silence."]),
    ("A boat leaves the harbour at dawn, and finally disappears over the horizon.",
     ["A boat leaves the harbour at dawn", "finally disappears over the horizon."]),
    ("Rain hammers the roof. Suddenly the power goes out.",
     ["Rain hammers the roof.", "Suddenly the power goes out."]),
    ("The farmer ploughs the field, and moments later a tractor breaks down.",
     ["The farmer ploughs the field", "moments later a tractor breaks down."]),
    ("A chef plates the dish; after that the waiter carries it out.",
     ["A chef plates the dish", "after that the waiter carries it out."]),
    ("Snow settles on the village as children sledge down the hill while parents watch.",
     ["Snow settles on the village as children sledge down the hill while parents watch."]),
    ("The astronaut floats as the station rotates. The next morning the crew repairs the panel.",
     ["The astronaut floats as the station rotates.", "The next morning the crew repairs the panel."]),
    ("Then nothing.", ["Then nothing."]),
    ("A musician tunes her guitar as the crowd arrives and then plays the first chord.",
     ["A musician tunes her guitar as the crowd arrives", "then plays the first chord."]),
    ("Leaves fall slowly as if time has stopped!\nA bird lands on the bench.",
     ["Leaves fall slowly as if time has stopped!", "A bird lands on the bench."]),
]


def test_twenty_prompts_are_covered():
    assert len(PROMPTS) == 20


@pytest.mark.parametrize(("prompt", "beats"), PROMPTS, ids=[f"prompt{i:02d}" for i in range(len(PROMPTS))])
def test_beats_fall_on_sentences_and_temporal_markers(prompt, beats):
    assert story_beats(prompt) == beats


@pytest.mark.parametrize("joiner", ["as", "while", "when", "as soon as"])
def test_words_of_simultaneous_action_never_split(joiner):
    prompt = f"A keeper lights the lamp {joiner} a storm rolls in."
    assert story_beats(prompt) == [prompt]


def test_crossfade_only_into_a_beat_that_marks_time_passing():
    assert marks_time_passing("Then she rushes across the market.")
    assert marks_time_passing("moments later a tractor breaks down.")
    assert not marks_time_passing("As night falls the city lights up.")
    assert not marks_time_passing("Thence the river.")
