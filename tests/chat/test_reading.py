"""Quotes inside sources, source labels and the reader's blocks: pure functions."""

from chat.reading import (
    ReaderChunk,
    best_sentence_for_query,
    mark,
    quoted_sentence,
    reader_blocks,
    source_labels,
)

CHUNK = "Leave is booked in advance.\n\nEach employee gets three Estuary Wellness Days per\nleave year. They do not carry over."


def test_a_verbatim_quote_is_found_across_a_line_wrap():
    quote = "Each employee gets three Estuary Wellness Days per leave year."

    segments = mark(CHUNK, [quote])

    assert [text for text, is_quote in segments if is_quote] == [
        "Each employee gets three Estuary Wellness Days per\nleave year."
    ]
    assert "".join(text for text, _ in segments) == CHUNK


def test_a_paraphrase_is_matched_to_the_sentence_it_rests_on():
    paraphrase = "Employees receive three Estuary Wellness Days each leave year."

    assert quoted_sentence(CHUNK, paraphrase) == (
        "Each employee gets three Estuary Wellness Days per leave year."
    )
    assert quoted_sentence(CHUNK, "Something else about pumps entirely.") == ""


def test_labels_drop_the_repeated_title_and_tell_identical_sources_apart():
    sources = [
        {"title": "Leave", "section": "Leave › 3.3 Wellness", "pages": [2]},
        {"title": "Leave", "section": "Leave › 3.3 Wellness", "pages": [2]},
        {"title": "Leave", "section": "Leave", "pages": []},
    ]

    assert source_labels(sources) == [
        "Leave, 3.3 Wellness, page 2 (passage 1)",
        "Leave, 3.3 Wellness, page 2 (passage 2)",
        "Leave",
    ]


def test_the_best_sentence_for_a_query_shares_the_most_words():
    assert best_sentence_for_query(CHUNK, "wellness days per year") == (
        "Each employee gets three Estuary Wellness Days per leave year."
    )
    assert best_sentence_for_query(CHUNK, "reservoir") == ""


def test_reader_blocks_mark_the_cited_chunk_the_quote_and_a_table_row():
    elements = [
        {"id": "a", "type": "Title", "text": "Leave", "page": 1, "depth": 0},
        {"id": "b", "type": "NarrativeText", "text": CHUNK, "page": 1},
        {"id": "c", "type": "ListItem", "text": "One", "page": 2},
        {"id": "d", "type": "ListItem", "text": "Two", "page": 2},
        {
            "id": "e",
            "type": "Table",
            "text": "Site Test A Daily",
            "page": 2,
            "rows": [["Site", "Test"], ["A", "Daily"], ["B", "Weekly"]],
        },
    ]
    chunks = [
        ReaderChunk(1, "Leave\n\n" + CHUNK, ["a", "b"]),
        ReaderChunk(2, "x", ["page-break", "c", "d", "e"]),
    ]

    prose = reader_blocks(
        elements=elements, chunks=chunks, cited=1, quote="They do not carry over."
    )
    table = reader_blocks(elements=elements, chunks=chunks, cited=2, quote="Site: B; Test: Weekly")

    assert [b.kind for b in prose] == ["heading", "paragraph", "list", "table"]
    assert prose[0].anchors == [1] and prose[2].anchors == [2]
    assert prose[1].has_quote and prose[1].is_target and not prose[3].is_cited
    assert prose[2].items == [[("One", False)], [("Two", False)]] and prose[2].new_page
    assert [quoted for _, quoted in table[3].rows] == [False, False, True]
    assert table[3].is_target


def test_a_version_without_elements_is_read_from_its_chunks():
    blocks = reader_blocks(
        elements=[], chunks=[ReaderChunk(7, CHUNK, [])], cited=7, quote="They do not carry over."
    )

    assert [b.anchors for b in blocks] == [[7], []]
    assert all(b.is_cited for b in blocks) and blocks[1].is_target
