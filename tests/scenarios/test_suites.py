"""Scenario ids, validation, deterministic data, and what the default suite covers."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosscheck.scenarios import DTYPES, SUITES, Scenario, build_problem, suite
from crosscheck.scenarios.strategies import HIDDEN, OUTPUTS
from crosscheck.scenarios.suites import HIDDEN_ACTIVATIONS, LOSS_PAIRS, MORE_ACTIVATIONS, OUTPUT_ACTIVATION

DEFAULT = suite("default")
DOCS = Path(__file__).parents[2] / "docs"


@st.composite
def scenarios(draw):
    out, loss, smallest = draw(st.sampled_from(OUTPUTS))
    sizes = draw(st.lists(st.integers(1, 12), min_size=1, max_size=6)) + [1 if loss == "bce" else smallest + 1]
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=len(sizes) - 2, max_size=len(sizes) - 2))
    regimes = ["normal", "wide", "tails"] + ([] if loss == "mse" else ["soft"])
    return Scenario(tuple(sizes), tuple(hidden) + (out,), draw(st.integers(1, 5000)),
                    draw(st.sampled_from(DTYPES)), draw(st.integers(0, 99)), loss=loss,
                    regime=draw(st.sampled_from(regimes)))


@given(scenarios())
def test_id_round_trips(s):
    assert Scenario.from_id(s.id) == s


def test_id_reads_like_the_example():
    s = Scenario((4, 5, 5, 1), ("relu", "tanh", "sigmoid"), 16, "float32")
    assert s.id == "relu-tanh-sigmoid_4-5-5-1_m16_float32_s0"


@pytest.mark.parametrize("text", ["relu_4-1", "sigmoid_4-1_m16_float8_s0", "softmax_4-1_m3_float64_s0",
                                  "relu_4-1_m3_float64_s0", "sigmoid_4-2_m3_float64_s0"])
def test_bad_ids_are_value_errors_with_a_reason(text):
    with pytest.raises(ValueError, match="does not read|unknown|sigmoid output"):
        Scenario.from_id(text)


def test_same_scenario_same_data_and_float32_is_float64_rounded():
    s = DEFAULT[200]
    a, b = build_problem(s), build_problem(s)
    np.testing.assert_array_equal(a.X, b.X)
    assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)
    s32 = Scenario(s.layer_sizes, s.activations, s.m, "float32", s.seed)
    p32 = build_problem(s32)
    assert p32.X.dtype == np.float32
    np.testing.assert_array_equal(p32.X, build_problem(Scenario(s.layer_sizes, s.activations, s.m, "float64")).X.astype(np.float32))


def test_data_does_not_depend_on_the_global_rng():
    s = DEFAULT[5]
    np.random.seed(1)
    a = build_problem(s).X
    np.random.seed(2)
    np.testing.assert_array_equal(a, build_problem(s).X)


def test_suite_sizes():
    assert 15 <= len(suite("smoke")) <= 25
    assert len(DEFAULT) >= 200
    assert len(suite("full")) > len(DEFAULT)
    for name in ("smoke", "default", "full", "tails"):
        ids = [s.id for s in suite(name)]
        assert len(ids) == len(set(ids)), f"{name} has duplicate ids"


def test_the_suite_sizes_in_docs_are_the_suites():
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "suites.md").read_text()
    table = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", text, re.M))
    assert set(table) == set(SUITES)
    assert {name: len(suite(name)) for name in table} == {name: int(n) for name, n in table.items()}


def _numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def test_the_counts_of_the_default_suite_in_docs_are_its_blocks():
    """docs/suites.md's bullets of "The default suite" count its blocks, in order."""
    from crosscheck.scenarios import suites as S

    text = (DOCS / "suites.md").read_text().split("## The default suite")[1].split("\n\n")[1]
    counted = [int(n) for n in re.findall(r"^- (\d+) ", text, re.M)]
    blocks = [S._matrix(S.DEFAULT_SHAPES, S.DEFAULT_BATCHES, S.SUITE_DTYPES),
              S._loss_matrix(((4, 1), (5, 5, 5, 1)), (13,), S.SUITE_DTYPES) + S._loss_matrix(((4, 6, 1),), (13,), S.SUITE_DTYPES),
              S.tutorial(), S.vanishing(), S.tails(S.HIDDEN_ACTIVATIONS)]
    assert counted == [len(b) for b in blocks]
    assert sorted(s.id for b in blocks for s in b) == sorted(s.id for s in DEFAULT)


def test_the_counts_in_the_suites_docstring_and_checks_md_are_the_suites():
    from crosscheck.scenarios import suites as S

    doc = " ".join(S.__doc__.split())
    said = dict(re.findall(r"``([a-z-]+)`` \((\d+)", doc))
    assert said and {name: int(n) for name, n in said.items()} == {name: len(suite(name)) for name in said}
    text = " ".join((DOCS / "checks.md").read_text().split())
    half = re.findall(r"half suite \((\d+) float16 and bfloat16 scenarios\)", text)
    assert half and {int(n) for n in half} == {len(suite("half"))}
    full = re.search(r"The full suite on all six\*\* .*?: ([\d,]+) scenarios x 6 engines", text)
    assert full and _numbers(full.group(1)) == [len(suite("full"))]


@pytest.mark.parametrize("appended_to", ["MORE_ACTIVATIONS", pytest.param("HIDDEN_ACTIVATIONS", marks=pytest.mark.slow)])
def test_appending_an_activation_only_adds_scenarios(appended_to, monkeypatch):
    """Every id of every suite stays, in its order; the new activation's networks are added."""
    from crosscheck.reference import activations as R
    from crosscheck.scenarios import suites as S

    before = {name: [s.id for s in suite(name)] for name in SUITES}
    monkeypatch.setitem(R.ACTIVATIONS, "made_up", R.Activation("made_up", R.tanh, R.tanh_prime, rests_on=("tanh",)))
    monkeypatch.setattr(S, appended_to, getattr(S, appended_to) + ("made_up",))
    monkeypatch.setattr(S, "ALL_HIDDEN", S.HIDDEN_ACTIVATIONS + S.MORE_ACTIVATIONS)
    for name, ids in before.items():
        after = [s.id for s in suite(name)]
        kept = set(ids)
        assert [i for i in after if i in kept] == ids, f"{name}: ids lost or reordered"
        assert len(after) == len(set(after)), f"{name} has duplicate ids"
    grown = {"full"} | ({"default", "losses"} if appended_to == "HIDDEN_ACTIVATIONS" else set())
    for name in grown:
        mixed = [s for s in suite(name) if "made_up" in s.activations and len(set(s.activations[:-1])) > 1]
        assert mixed, f"{name}: no network with made_up beside another activation"


def test_default_suite_blocks():
    # 372 sigmoid + bce networks, the output/loss pairs at depths 1, 2 and 3 (88 + 40), 64
    # tutorial networks, 8 vanishing, 8 that reach the tails of sigmoid and tanh
    assert sum(s.regime == "tails" for s in DEFAULT) == 8
    assert sum(s.loss != "bce" or s.activations[-1] != "sigmoid" for s in DEFAULT) == 88 + 40 + 48
    assert len(DEFAULT) == 580


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("out, loss", [(OUTPUT_ACTIVATION, "bce")] + [(o, l) for o, l, _ in LOSS_PAIRS])
def test_default_suite_has_every_hidden_activation_with_every_output_loss_pair(depth, hidden, out, loss):
    # e.g. one sigmoid hidden layer with a softmax + cce output: the MNIST-by-hand network
    assert any(s.depth == depth and set(s.activations[:-1]) == {hidden} and (s.activations[-1], s.loss) == (out, loss)
               and s.layer_sizes[0] != s.m for s in DEFAULT), (depth, hidden, out, loss)


def test_no_layer_of_the_default_and_losses_suites_has_an_all_zero_gradient():
    from crosscheck.scenarios.problem import dead_layers

    dead = [s.id for s in DEFAULT + suite("losses") if dead_layers(build_problem(s))]
    assert dead == []


def test_a_draw_with_a_dead_layer_is_drawn_again():
    from crosscheck.reference.network import trace
    from crosscheck.scenarios.problem import _draw, dead_layers

    s = Scenario.from_id("relu-relu-sigmoid_8-4-2-1_m13_float64_s0")
    first = _draw(s, np.random.default_rng(s.seed))
    assert dead_layers(first) == [1, 2]  # both relu units of layer 2 off for all 13 examples
    p = build_problem(s)
    assert dead_layers(p) == [] and np.any(p.parameters["W1"] != first.parameters["W1"])
    t = trace(p.parameters, p.X, p.Y, s.activations)
    assert all(np.any(t.dW[l]) and np.any(t.db[l]) for l in (1, 2, 3))


def test_the_dead_layer_detector_sees_a_layer_of_dead_units():
    from crosscheck.scenarios.problem import Problem, dead_layers

    s = Scenario((2, 2, 1), ("relu", "sigmoid"), 3)
    params = {"W1": np.eye(2), "b1": -10 * np.ones((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
    X = np.ones((2, 3))
    assert dead_layers(Problem(s, X, np.ones((1, 3)), params)) == [1]
    assert dead_layers(Problem(s, X, np.ones((1, 3)), dict(params, b1=np.zeros((2, 1))))) == []


def test_default_suite_covers_what_exposes_a_wrong_formula():
    depths = {s.depth for s in DEFAULT}
    assert {1, 2, 3} <= depths and max(depths) >= 5
    widths = [s.layer_sizes[:-1] for s in DEFAULT]
    assert any(len(w) >= 3 and len(set(w)) == 1 for w in widths), "square layers"
    assert any(all(a < b for a, b in zip(w, w[1:])) and len(w) >= 3 for w in widths), "widening"
    assert any(all(a > b for a, b in zip(w, w[1:])) and len(w) >= 3 for w in widths), "narrowing"
    assert all(s.layer_sizes[0] != s.m for s in DEFAULT), "input width never equals batch size"
    ms = {s.m for s in DEFAULT}
    assert 1 in ms and any(m % 2 and 1 < m < 64 for m in ms) and max(ms) >= 1024
    for a in HIDDEN_ACTIVATIONS:
        assert any(a in s.activations[:-1] for s in DEFAULT), f"{a} as a hidden layer"
    assert any(len(set(s.activations[:-1])) >= 3 for s in DEFAULT), "mixed activations"
    assert {s.dtype for s in DEFAULT} == {"float64", "float32"}
    assert {s.activations[0] for s in DEFAULT if s.regime == "tails"} == {"sigmoid", "tanh"}, "tails reached"


def test_unknown_suite_names_the_accepted_ones():
    with pytest.raises(ValueError, match="accepted: smoke, default, full"):
        suite("nope")


def test_no_example_of_the_default_suite_sits_on_a_kink_or_saturates():
    from crosscheck.scenarios.problem import ill_conditioned_examples

    for s in DEFAULT:
        if s.dtype == "float64":
            assert ill_conditioned_examples(build_problem(s).astype(np.float64)).size == 0, s.id


def test_the_detector_finds_an_example_on_the_kink_and_one_saturated():
    from crosscheck.scenarios.problem import Problem, ill_conditioned_examples

    s = Scenario((2, 2, 1), ("relu", "sigmoid"), 4)
    params = {"W1": np.eye(2), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
    # example 1 has z = 0 in unit 0; example 3 has output sigma(10) > 0.99
    X = np.array([[1.0, 0.0, -1.0, 5.0], [1.0, 2.0, 1.0, 5.0]])
    assert list(ill_conditioned_examples(Problem(s, X, np.ones((1, 4)), params))) == [1, 3]


def test_full_suite_covers_every_activation_and_default_stays_small():
    from crosscheck.reference.activations import ACTIVATIONS

    full = suite("full")
    for a in ACTIVATIONS:
        assert any(a in s.activations for s in full), a
    assert not any(a in s.activations for s in DEFAULT for a in MORE_ACTIVATIONS)


def test_soft_labels_lie_strictly_between_0_and_1():
    s = Scenario.from_id("relu-tanh-sigmoid_4-5-5-1_m1024_float32_s0_soft")
    Y = build_problem(s).Y
    assert s.regime == "soft" and 0.05 <= Y.min() and Y.max() <= 0.95 and len(np.unique(Y)) > 100
    assert any(x.regime == "soft" for x in suite("full"))
