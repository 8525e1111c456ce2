from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradebook.services.grading import Reach, Rules, mark_for, proposal, shown, to_reach_next, weighted_average

D = Decimal


@pytest.mark.parametrize(
    ("marks", "average"),
    [
        ([(5, D(1)), (4, D(1)), (3, D(2))], D("3.75")),
        ([(5, D(2)), (3, D(1))], D(13) / D(3)),
        ([(5, D(1)), (5, D(1))], D(5)),
        ([(4, D(1)), (5, D(3)), (5, D(1))], D("4.8")),
        ([(2, D(1)), (3, D(1)), (3, D(1))], D(8) / D(3)),
    ],
)
def test_the_worked_examples_of_domain_md(marks, average):
    assert weighted_average(marks) == average


def test_no_marks_no_average():
    assert weighted_average([]) is None
    assert shown(None) == "—"


def test_shown_with_two_decimals_and_a_comma():
    assert shown(D(13) / D(3)) == "4,33"
    assert shown(D("3.755")) == "3,76"


# --- Proposals: DOMAIN.md's worked examples under each threshold setting ----------------------------

DEFAULT = Rules()
LOW = Rules(D("4.3"), D("3.3"), D("2.3"), 3)
STRICT = Rules(D("4.6"), D("3.6"), D("2.6"), 3)
STRICTEST = Rules(D("4.65"), D("3.65"), D("2.65"), 3)


@pytest.mark.parametrize(
    ("marks", "rules", "expected"),
    [
        # The table of DOMAIN.md (4.5 / 3.5 / 2.5, at least 3 marks).
        ([(5, D(1)), (4, D(1)), (3, D(2))], DEFAULT, "4"),
        ([(5, D(2)), (3, D(1))], DEFAULT, "н/а"),  # only two marks
        ([(5, D(2)), (3, D(1)), (4, D(1))], DEFAULT, "4"),  # 17/4 = 4.25
        ([(5, D(1)), (5, D(1))], DEFAULT, "н/а"),
        ([(4, D(1)), (5, D(3)), (5, D(1)), ("зач", D(1))], DEFAULT, "5"),
        ([(2, D(1)), (3, D(1)), (3, D(1))], DEFAULT, "3"),
        # 13/3 = 4.33: 4 with the default thresholds, 5 with 4.3 / 3.3 / 2.3.
        ([(5, D(1)), (5, D(1)), (3, D(1))], DEFAULT, "4"),
        ([(5, D(1)), (5, D(1)), (3, D(1))], LOW, "5"),
        # Exactly on a threshold rounds in the student's favour; just below does not.
        ([(5, D(1)), (4, D(1)), (5, D(1)), (4, D(1))], DEFAULT, "5"),  # 4.50
        ([(5, D(1)), (4, D(1)), (5, D(1)), (4, D(1))], STRICT, "4"),  # 4.50 < 4.6
        ([(5, D(3)), (4, D(2))], STRICT, "н/а"),
        ([(5, D(1)), (5, D(1)), (5, D(1)), (4, D(1)), (4, D(1))], STRICT, "5"),  # 4.60
        ([(5, D(1)), (5, D(1)), (5, D(1)), (4, D(1)), (4, D(1))], STRICTEST, "4"),  # 4.60 < 4.65
        ([(4, D(1)), (3, D(1)), (4, D(1)), (3, D(1))], STRICTEST, "3"),  # 3.50
        ([(3, D(1)), (2, D(1)), (3, D(1)), (2, D(1))], DEFAULT, "3"),  # 2.50
        ([(3, D(1)), (2, D(1)), (3, D(1)), (2, D(1))], STRICT, "2"),
        ([(1, D(1)), (1, D(1)), (1, D(1))], DEFAULT, "2"),  # the engine never proposes 1
    ],
)
def test_proposal_under_each_threshold_setting(marks, rules, expected):
    assert proposal(marks, rules) == expected


def test_the_minimum_number_of_marks_is_a_setting():
    marks = [(5, D(1)), (4, D(1))]
    assert proposal(marks, Rules(min_marks=3)) == "н/а"
    assert proposal(marks, Rules(min_marks=2)) == "5"
    assert proposal([], Rules(min_marks=0)) == "н/а"  # no marks, no mark


def test_pass_fail_and_exempt_count_neither_in_the_average_nor_towards_the_minimum():
    marks = [(5, D(1)), (4, D(1)), ("зач", D(1)), ("осв", D(1))]
    assert weighted_average(marks) == D("4.5")
    assert proposal(marks) == "н/а"


def test_rules_from_the_school_years_settings():
    class Settings:
        threshold_5, threshold_4, threshold_3, min_marks = D("4.6"), D("3.6"), D("2.6"), 4

    assert Rules.of(Settings()) == Rules(D("4.6"), D("3.6"), D("2.6"), 4)
    assert Rules.of(None) == DEFAULT


@pytest.mark.parametrize(
    ("marks", "rules", "reach"),
    [
        ([(4, D(1)), (4, D(1)), (4, D(1))], DEFAULT, Reach(count=3, value=5, gives="5")),  # 27/6 = 4.5
        ([(3, D(1)), (3, D(1)), (4, D(1))], DEFAULT, Reach(count=1, value=5, gives="4")),  # 15/4 = 3.75
        ([(5, D(1))], DEFAULT, Reach(count=2, value=5, gives="5")),  # н/а → three marks
        ([(2, D(1)), (2, D(1)), (2, D(1))], DEFAULT, Reach(count=1, value=5, gives="3")),  # 11/4 = 2.75
        ([(5, D(1)), (5, D(1)), (5, D(1))], DEFAULT, None),  # already 5
        ([(2, D(10))] * 3, DEFAULT, Reach(count=6, value=5, gives="3")),  # 90/36 = 2.5
        ([(2, D(10))] * 6, DEFAULT, None),  # twelve fives would be needed
    ],
)
def test_what_it_takes_to_reach_the_next_mark(marks, rules, reach):
    assert to_reach_next(marks, rules) == reach


def test_mark_for_an_exact_average():
    assert [mark_for(D(x)) for x in ("4.5", "4.49", "3.5", "3.4999", "2.5", "2.49", "0")] == [5, 4, 4, 3, 3, 2, 2]


# --- Properties (hypothesis) --------------------------------------------------------------------

values = st.integers(min_value=1, max_value=5)
weights = st.sampled_from([D(1), D("1.5"), D(2), D(3), D("0.5")])
mark_lists = st.lists(st.tuples(values, weights), min_size=0, max_size=25)


@st.composite
def rules(draw):
    t3 = draw(st.decimals(min_value=D("2.0"), max_value=D("3.0"), places=2))
    t4 = draw(st.decimals(min_value=t3 + D("0.5"), max_value=D("4.0"), places=2))
    t5 = draw(st.decimals(min_value=t4 + D("0.5"), max_value=D("5.0"), places=2))
    return Rules(t5, t4, t3, draw(st.integers(min_value=1, max_value=5)))


ORDER = {"н/а": 0, "2": 2, "3": 3, "4": 4, "5": 5}


@given(marks=mark_lists.filter(bool), rules=rules(), data=st.data())
def test_raising_a_mark_never_lowers_the_proposal(marks, rules, data):
    index = data.draw(st.integers(min_value=0, max_value=len(marks) - 1))
    value, weight = marks[index]
    raised = [*marks[:index], (data.draw(st.integers(min_value=value, max_value=5)), weight), *marks[index + 1 :]]
    assert ORDER[proposal(raised, rules)] >= ORDER[proposal(marks, rules)]


@given(marks=mark_lists, rules=rules())
def test_the_proposal_respects_the_thresholds(marks, rules):
    result = proposal(marks, rules)
    average = weighted_average(marks)
    if len(marks) < rules.min_marks:
        assert result == "н/а"
        return
    assert average is not None
    if result == "5":
        assert average >= rules.threshold_5
    elif result == "4":
        assert rules.threshold_4 <= average < rules.threshold_5
    elif result == "3":
        assert rules.threshold_3 <= average < rules.threshold_4
    else:
        assert result == "2" and average < rules.threshold_3


@given(marks=mark_lists, rules=rules())
def test_what_it_takes_really_lifts_the_proposal_and_no_fewer_fives_do(marks, rules):
    reach = to_reach_next(marks, rules)
    if reach is None:
        return
    now = ORDER[proposal(marks, rules)]
    assert ORDER[proposal([*marks, *[(5, D(1))] * reach.count], rules)] > now
    assert ORDER[proposal([*marks, *[(5, D(1))] * (reach.count - 1)], rules)] == now
