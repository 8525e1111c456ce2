from decimal import Decimal

import pytest

from gradebook.services.grading import shown, weighted_average

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
