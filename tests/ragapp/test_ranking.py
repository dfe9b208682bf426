from ragapp.ranking import or_query_terms, reciprocal_rank_fusion


def test_rrf_rewards_items_ranked_well_by_both_lists():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], constant=60)

    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == 1 / 61 + 1 / 62


def test_rrf_of_one_list_keeps_its_order():
    assert [item for item, _ in reciprocal_rank_fusion([[3, 1, 2]])] == [3, 1, 2]


def test_query_terms_are_plain_words_without_operators():
    terms = or_query_terms("What's the chloramine target (mg/L) & who sets it? | !x:*")

    assert terms == ["whats", "the", "chloramine", "target", "mg", "l", "who", "sets", "it", "x"]
    assert all(term.isalnum() for term in terms)
