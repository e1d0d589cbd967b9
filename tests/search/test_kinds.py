"""The searchable kinds registry, and the search package's imports running one way."""

import ast
from pathlib import Path

from school.courses.models import Course, Lesson
from school.forum.models import Post, Thread
from school.notices.models import Notice
from school.orgs.models import Organisation
from school.search.kinds import SEARCH_KINDS, following
from school.search.models import KINDS

PACKAGE = Path(__file__).resolve().parents[2] / "school" / "search"


def test_every_document_kind_is_written_by_exactly_one_entry():
    written = [kind for entry in SEARCH_KINDS.values() for kind in entry.writes]
    assert sorted(written) == sorted(KINDS)


def test_each_change_is_followed_by_the_entry_whose_documents_show_it():
    post = Post(thread_id=7)
    assert following(post) is SEARCH_KINDS["thread"]
    assert SEARCH_KINDS["thread"].object_id(post) == 7
    assert SEARCH_KINDS["thread"].object_id(Post(thread=Thread(id=8))) == 8
    assert SEARCH_KINDS["thread"].object_id(Post()) is None
    assert following(Lesson(id=3)) is SEARCH_KINDS["lesson"]
    assert following(Course(id=1)) is SEARCH_KINDS["course"]
    assert following(Notice(id=2)) is SEARCH_KINDS["notice"]
    assert following(Organisation()) is None  # a move is the hooks' concern, not an entry's


def _imports(path: Path) -> set[str]:
    """The school.search modules ``path`` imports, lazily or for type checking included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "school.search":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("school.search."):
            found.add(node.module.split(".")[2])
    return found


def test_the_search_package_has_no_import_loop():
    graph = {path.stem: _imports(path) for path in PACKAGE.glob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " → ".join([*path, module])
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
