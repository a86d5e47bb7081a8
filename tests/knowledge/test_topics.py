"""bot.knowledge.topics: the topic catalogue of bot/data/topics.tsv, found by name and by document."""
from __future__ import annotations

from bot.knowledge import topics


def test_topic_of_document() -> None:
    assert topics.topic_of_document("45/2019/QH14") == "lao-dong-nu"
    assert topics.topic_of_document("999/2030/QH99", "Luật Trẻ em") == "tre-em"
    assert topics.topic_of_document("1/2000/QH10", "Luật Đất đai") is None


def test_topics_found_by_name_with_or_without_diacritics() -> None:
    first = topics.topics()[0]
    assert topics.find_topic(first.name) == topics.find_topic(topics.fold(first.name)) == first
    assert topics.find_topic("không có chủ đề này") is None

