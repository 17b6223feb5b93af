import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.generation.citations import (
    number_by_first_use,
    parse_answer,
    render_answer,
    strip_markers,
    valid_sources,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A er B [1]. C er D [2].", [("A er B.", (1,)), ("C er D.", (2,))]),
        ("A er B. [1] C er D. [2][3]", [("A er B.", (1,)), ("C er D.", (2, 3))]),
        ("A er B [1, 2]. C er D.", [("A er B.", (1, 2)), ("C er D.", ())]),
        ("A er B [1][1].", [("A er B.", (1,))]),
        ("Det gjelder f.eks. skytjenester [1].", [("Det gjelder f.eks. skytjenester.", (1,))]),
        ("Uten punktum [4]", [("Uten punktum", (4,))]),
        (
            "EU-U.S. Data Privacy Framework gjelder [2].",
            [("EU-U.S. Data Privacy Framework gjelder.", (2,))],
        ),
        ("- Punkt en [1]\n- Punkt to [2]", [("Punkt en", (1,)), ("Punkt to", (2,))]),
        ("", []),
        ("[1]", []),
    ],
)
def test_parse_answer_cases(text, expected):
    assert [(s.text, s.sources) for s in parse_answer(text)] == expected


def test_parse_keeps_list_prefix():
    sentences = parse_answer("Innledning [1].\n- Punkt [2]. Mer [2].")
    assert [s.prefix for s in sentences] == ["", "- ", ""]
    assert [s.line for s in sentences] == [0, 1, 1]


@pytest.mark.parametrize(
    ("sources", "count", "expected"),
    [((1, 2), 3, (1, 2)), ((0, 4, 2), 3, (2,)), ((2, 2, 1), 3, (2, 1)), ((), 3, ())],
)
def test_valid_sources_cases(sources, count, expected):
    assert valid_sources(sources, count) == expected


def test_render_renumbers_first_use():
    sentences = parse_answer("A [3]. B [1][3]. C [2].")
    text, numbers = render_answer(sentences, [["c"], ["a", "c"], ["b"]])
    assert text == "A. [1] B. [2][1] C. [3]"
    assert numbers == {"c": 1, "a": 2, "b": 3}


def test_render_merges_duplicate_sources():
    sentences = parse_answer("A [1]. B [2].")
    text, numbers = render_answer(sentences, [["same"], ["same"]])
    assert text == "A. [1] B. [1]"
    assert numbers == {"same": 1}


def test_render_keeps_lines():
    sentences = parse_answer("A [1].\n- B [2].")
    text, _ = render_answer(sentences, [["a"], ["b"]])
    assert text == "A. [1]\n- B. [2]"


def test_strip_markers_spacing():
    assert strip_markers("A er B [1] , og C [2].") == "A er B, og C."


_SENTENCE = st.tuples(
    st.sampled_from(["Avtalen gjelder", "CIPS er en konkurranse", "FinOps styrer kostnader"]),
    st.lists(st.integers(min_value=0, max_value=8), max_size=4),
)


@given(st.lists(_SENTENCE, min_size=1, max_size=8), st.integers(min_value=1, max_value=5))
def test_renumbering_property(raw_sentences, source_count):
    reply = " ".join(
        f"{text} {''.join(f'[{n}]' for n in markers)}." for text, markers in raw_sentences
    )
    sentences = parse_answer(reply)
    # Sources 1 and 2 name one chunk, to exercise merging of duplicates.
    keys = [
        [f"chunk-{min(n, 2) if n <= 2 else n}" for n in valid_sources(s.sources, source_count)]
        for s in sentences
    ]
    kept = [(s, k) for s, k in zip(sentences, keys, strict=True) if k]
    text, numbers = render_answer([s for s, _ in kept], [k for _, k in kept])

    used = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    first_use = list(dict.fromkeys(used))
    assert first_use == list(range(1, len(first_use) + 1))
    assert set(used) == set(numbers.values())
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    assert all(n <= source_count for n in used)


def test_number_by_first_use_order():
    assert number_by_first_use([["b"], ["a", "b"], ["c"]]) == {"b": 1, "a": 2, "c": 3}
