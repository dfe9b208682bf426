"""Quoted table rows are laid out as tables, prose as paragraphs."""

from chat.answer_layout import answer_blocks, table_row

ROW = "Site name: Kestrel Point intake tower; Frequency: Weekly (May to October), monthly otherwise"


def test_a_row_written_by_the_parser_becomes_its_cells():
    assert table_row(ROW) == [
        ["Site name", "Kestrel Point intake tower"],
        ["Frequency", "Weekly (May to October), monthly otherwise"],
    ]


def test_prose_is_not_a_row():
    assert table_row("Staff must submit a claim within 30 days.") is None
    assert table_row("Note: claims are paid monthly.") is None  # one label is not a table
    assert table_row("Note: paid monthly; see the policy for details") is None  # unlabelled part
    assert table_row("At 09:30: the plant; restarts: daily") is not None  # labels may not hold ":"


def test_consecutive_rows_with_the_same_columns_share_one_table():
    prose = {"text": "Sampling follows the schedule.", "citations": [1]}
    first = {"text": ROW, "citations": [2], "cells": table_row(ROW)}
    other = "Site name: Upper river weir; Frequency: Twice weekly"
    second = {"text": other, "citations": [2], "cells": table_row(other)}
    different = "Asset: RES-04; Condition: poor; Year: 1961"
    third = {"text": different, "citations": [3], "cells": table_row(different)}

    blocks = answer_blocks([prose, first, second, third, prose])

    assert blocks == [
        {"sentences": [prose]},
        {
            "header": ["Site name", "Frequency"],
            "rows": [
                {"values": ["Kestrel Point intake tower", "Weekly (May to October), monthly otherwise"], "citations": [2]},
                {"values": ["Upper river weir", "Twice weekly"], "citations": [2]},
            ],
        },
        {"header": ["Asset", "Condition", "Year"], "rows": [{"values": ["RES-04", "poor", "1961"], "citations": [3]}]},
        {"sentences": [prose]},
    ]  # fmt: skip
