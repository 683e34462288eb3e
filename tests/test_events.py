"""Every event the UI listens to has a publisher in the core, and every core event has one.

A static check over the source (AST): the UI's listeners are ``<bridge>.on(Kind, ...)`` calls
(or, in the older string style, ``.on("name", ...)``); publishers are ``<bus>.publish(Kind(...))``
calls (or ``.publish("name", ...)``) in ``clinician_desk``. A listener without a publisher is
dead code that looks alive; the behavioural side (signing a note really publishes
``NoteSigned``) is ``tests/integration/record/test_events_fire.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from clinician_desk import events

ROOT = Path(__file__).resolve().parents[1]
NAME_OF = {kind.__name__: kind.name for kind in events.ALL_EVENTS}


def _event_name(node: ast.expr) -> str | None:
    """The event name a call argument stands for: ``Kind``, ``Kind(...)`` or ``"name"``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):  # events.NoteSigned
        return NAME_OF.get(node.attr, node.attr)
    if isinstance(node, ast.Name):
        return NAME_OF.get(node.id, node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def calls(folder: Path, method: str) -> dict[str, list[str]]:
    """{event name: [file:line, ...]} for every ``.<method>(event, ...)`` call under ``folder``."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == method
                and node.args
            ):
                name = _event_name(node.args[0])
                if name is not None:
                    where = f"{path.relative_to(folder.parent).as_posix()}:{node.lineno}"
                    found.setdefault(name, []).append(where)
    return found


def unpublished(root: Path) -> dict[str, list[str]]:
    """Events the UI listens to (or the core defines) that nothing in the core publishes."""
    published = calls(root / "clinician_desk", "publish")
    wanted = calls(root / "ui", "on")
    for kind in events.ALL_EVENTS:
        wanted.setdefault(kind.name, []).append("clinician_desk/events.py (ALL_EVENTS)")
    return {name: where for name, where in sorted(wanted.items()) if name not in published}


def test_every_listened_event_has_a_publisher_in_the_core() -> None:
    assert unpublished(ROOT) == {}


def test_the_ui_listens_to_the_core_events_only_through_their_types() -> None:
    listened = calls(ROOT / "ui", "on")
    assert set(listened) <= {kind.name for kind in events.ALL_EVENTS}, listened
    assert listened, "the UI listens to no event: the bridge would be dead code"


def test_the_check_sees_a_listener_without_publisher(tmp_path: Path) -> None:
    (tmp_path / "ui").mkdir()
    (tmp_path / "clinician_desk").mkdir()
    (tmp_path / "ui" / "w.py").write_text(
        'bridge.on("note_signed", f)\nbridge.on(SyncFinished, g)\n', encoding="utf-8"
    )
    (tmp_path / "clinician_desk" / "s.py").write_text(
        'bus.publish(SyncFinished(result))\nbus.publish("sync_did_finish", result=1)\n'
        + "".join(f"bus.publish({k.__name__}(x))\n" for k in events.ALL_EVENTS[1:]),
        encoding="utf-8",
    )
    assert unpublished(tmp_path) == {
        "note_signed": ["ui/w.py:1", "clinician_desk/events.py (ALL_EVENTS)"]
    }
