"""A user's parked messages: handing a parked copy back forgets that copy only, never one parked again since."""
from __future__ import annotations

from bot.store import turns

EVENT = {"type": "text", "user_id": "u1", "msg_id": "m2", "text": "còn gì nữa", "timestamp": "1700000000000"}


def test_a_message_parked_again_while_it_is_handed_back_stays_parked(store) -> None:
    turns.park(store, "u1", "m2", EVENT)
    key, copy = turns.finish(store, "u1", "m1")  # the job holding her hands m2 back to be queued again...
    assert key == "m2" and turns.event_of(copy) == EVENT
    turns.park(store, "u1", "m2", EVENT)  # ...whose new job finds her busy and parks it anew before...
    turns.unpark(store, "u1", "m2", copy)  # ...the hand-back forgets the copy it queued
    again = turns.finish(store, "u1", None)
    assert again is not None and again[0] == "m2" and turns.event_of(again[1]) == EVENT  # not lost


def test_handing_back_forgets_the_copy_it_queued(store) -> None:
    turns.park(store, "u1", "m2", EVENT)
    key, copy = turns.finish(store, "u1", "m1")
    turns.unpark(store, "u1", "m2", copy)
    assert turns.finish(store, "u1", None) is None
