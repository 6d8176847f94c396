"""Tables: key normalisation, borders, traversal."""

from vm.runtime.table import Table, new_table


def test_bool_and_number_keys_do_not_collide():
    t = Table()
    t.rawset(1.0, "one")
    t.rawset(True, "true")
    t.rawset(0.0, "zero")
    t.rawset(False, "false")
    assert t.rawget(1.0) == "one" and t.rawget(True) == "true"
    assert t.rawget(0.0) == "zero" and t.rawget(False) == "false"
    assert t.rawget(1) == "one"


def test_length_follows_appends_and_removals():
    t = Table()
    for i in range(1, 101):
        t.rawset(float(i), i)
    assert t.length() == 100
    t.rawset(100.0, None)
    assert t.length() == 99
    assert new_table([1, 2, None, 4]).length() == 4


def test_next_visits_every_key_once_even_when_clearing():
    t = new_table([1, 2, 3], {b"a": 1, b"b": 2, True: 3})
    seen = []
    k = None
    while True:
        r = t.next(k)
        if r is None:
            break
        k = r[0]
        seen.append(k)
        t.rawset(k, None)
    assert seen[:3] == [1.0, 2.0, 3.0]
    assert sorted(map(repr, seen[3:])) == sorted(map(repr, [b"a", b"b", True]))
    assert len(t) == 0
