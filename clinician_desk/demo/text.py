"""Fictional names and note text for demo data: made-up names, and sentences assembled from
varied, generic parts.

No real case material: short generic school-counseling phrases, combined at random so the
search index sees a realistic spread of words rather than a handful of repeated phrases; first
and last names that are obviously not real ("Testy McFakeface").
"""

from __future__ import annotations

import random

FIRST = (
    "Testy",
    "Sample",
    "Demo",
    "Fakey",
    "Mocky",
    "Placeholder",
    "Dummy",
    "Examplia",
    "Fictiona",
    "Pretendo",
    "Stubby",
    "Madeup",
    "Sandboxia",
    "Lorem",
    "Notarealia",
)
LAST = (
    "McFakeface",
    "Testington",
    "Examplesson",
    "Notreal",
    "Dummyworth",
    "Sampleton",
    "Fakerly",
    "Mockwell",
    "Placeholdt",
    "Fictionberg",
    "Imaginario",
    "Pretendez",
    "Ipsum",
)
LANGS = (
    "English",
    "English",
    "English",
    "Spanish",
    "Spanish",
    "Hmong",
    "Vietnamese",
    "Cantonese",
    "Russian",
    "Ukrainian",
    "Punjabi",
    "Arabic",
    "Dari",
)

OPENERS = (
    "Student reported",
    "Student described",
    "Student shared",
    "Check-in focused on",
    "Session addressed",
    "Student identified",
    "Teacher noted",
    "Guardian mentioned",
    "Student and clinician reviewed",
    "Group discussed",
    "Student brought up",
    "We explored",
)
TOPICS = (
    "worry before math tests",
    "trouble falling asleep",
    "conflict with a friend at lunch",
    "missing the bus twice",
    "feeling left out at recess",
    "a new baby sibling at home",
    "moving to a new apartment",
    "frustration with homework",
    "nervousness about presenting",
    "arguing with an older brother",
    "a pet's illness",
    "being teased about glasses",
    "missing a grandparent",
    "pressure from soccer tryouts",
    "screen time at night",
    "stomachaches in the morning",
    "a disagreement with a coach",
    "starting middle school",
    "grades in science",
    "joining the robotics club",
    "feeling tired in first period",
    "a fight on the group chat",
    "worries about a parent's job",
    "lunchroom noise",
    "getting lost in the new building",
    "a substitute teacher",
    "reading out loud",
    "the upcoming field trip",
    "band practice",
    "changes in appetite",
    "a broken phone",
    "summer plans",
    "a friendship ending",
    "a cousin visiting",
    "the school dance",
)
INTERVENTIONS = (
    "practiced box breathing",
    "used a feelings thermometer",
    "built a coping card",
    "role-played asking for help",
    "made a worry box",
    "tried progressive muscle relaxation",
    "mapped triggers and early signs",
    "rehearsed an I-statement",
    "drew a safe-place picture",
    "set a small weekly goal",
    "reviewed a sleep routine",
    "practiced grounding with senses",
    "listed three trusted adults",
    "planned a calm-down corner",
    "sorted thoughts into boxes",
    "tracked mood on a calendar",
    "practiced positive self-talk",
    "problem-solved with steps",
    "used a visual schedule",
    "read a short story about feelings",
    "played a turn-taking game",
    "wrote a gratitude list",
    "practiced mindful listening",
    "built a lego scene of the week",
)
RESPONSES = (
    "engaged well",
    "was quiet at first then opened up",
    "asked good questions",
    "appeared calmer by the end",
    "needed reminders to stay on task",
    "laughed several times",
    "was tearful briefly",
    "showed pride in progress",
    "said the strategy helped",
    "wanted to practice again",
    "was restless but participated",
    "offered ideas to peers",
)
PLANS = (
    "Continue weekly sessions.",
    "Check in with teacher on Friday.",
    "Send generic handout home.",
    "Review coping card next time.",
    "Follow up on attendance.",
    "Invite guardian to meet.",
    "Practice breathing daily.",
    "Revisit goal in two weeks.",
    "Coordinate with school nurse.",
    "Keep plan as is.",
    "Try the worry box at home.",
    "Schedule group sessions.",
)


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(OPENERS)} {rng.choice(TOPICS)}; {rng.choice(INTERVENTIONS)} "
        f"and student {rng.choice(RESPONSES)}."
    )


def section_text(rng: random.Random, key: str) -> str:
    if key == "plan":
        return " ".join(rng.sample(PLANS, 2))
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 2)))
