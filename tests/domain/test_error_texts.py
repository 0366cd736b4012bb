"""Every error code the domain raises has a sentence that tells the person what to do, in Kirundi
and French as well as English. The codes are read from the source of whatever files models/ holds
when the test runs, so a new `raise InvalidInput("...")` without a sentence fails here."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from conversations.vocabulary.errors import domain_error_text, error_sentences
from locales import LANGUAGES, translator
from models.errors import DomainError, InvalidInput, NotFound

MODELS = Path(__file__).resolve().parents[2] / "models"
BASE = "DomainError"
# Telegram shows at most 200 characters in the pop-up that answers a tapped button.
POPUP_MAX = 200


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _class_code(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign):
            target, value = statement.target, statement.value
        if value is not None and _name(target) == "code" and isinstance(value, ast.Constant):
            return str(value.value)
    return None


def error_classes(trees: list[ast.Module]) -> dict[str, str]:
    """DomainError and every subclass defined under models/ (at any depth), with its code."""
    definitions = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    classes: dict[str, str] = {}
    grew = True
    while grew:
        grew = False
        for node in definitions:
            if node.name in classes:
                continue
            parents = [classes[b] for b in map(_name, node.bases) if b in classes]
            if node.name == BASE or parents:
                code = _class_code(node) or (parents[0] if parents else None)
                assert code is not None, f"{node.name} has no default code"
                classes[node.name] = code
                grew = True
    return classes


@dataclass
class RaisedCodes(ast.NodeVisitor):
    """The codes one module's errors are made with, and the places where a code cannot be read."""

    module: ast.Module
    where: str
    classes: dict[str, str]
    codes: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)
    _functions: list[ast.AST] = field(default_factory=list)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._functions.append(node)
        self.generic_visit(node)
        self._functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Raise(self, node: ast.Raise) -> None:
        # `raise NotFound`: the class itself, with its default code. An instance raised later
        # (`raise refusal`) was made by a call, which visit_Call reads.
        name = _name(node.exc) if node.exc is not None else None
        if name in self.classes:
            self.codes.add(self.classes[name])
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node.func)
        if name in self.classes:
            given = node.args[0] if node.args else None
            given = next((k.value for k in node.keywords if k.arg == "code"), given)
            found = self.classes[name] if given is None else self._codes_of(given)
            if found is None:
                self.unreadable.append(f"{self.where}:{node.lineno}")
            else:
                self.codes |= {found} if isinstance(found, str) else found
        self.generic_visit(node)

    def _codes_of(self, node: ast.expr) -> str | set[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return self._expand(node)
        return None

    def _expand(self, node: ast.JoinedStr) -> set[str] | None:
        """f"code_{problem}": the text around one variable, with every string it can hold."""
        holes = [v for v in node.values if isinstance(v, ast.FormattedValue)]
        if len(holes) != 1 or not isinstance(holes[0].value, ast.Name):
            return None
        at = node.values.index(holes[0])
        before, after = (
            "".join(_text(v) for v in part) for part in (node.values[:at], node.values[at + 1 :])
        )
        values = self._values_of(holes[0].value.id)
        return {before + value + after for value in values} if values else None

    def _values_of(self, variable: str) -> set[str] | None:
        """Strings assigned to `variable` in the enclosing function, directly or returned by a
        function of the same module; None when any assignment is something else."""
        scope = self._functions[-1] if self._functions else self.module
        values: set[str] = set()
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(_name(t) == variable for t in node.targets):
                found = self._results(node.value)
                if found is None:
                    return None
                values |= found
        return values

    def _results(self, node: ast.expr, depth: int = 0) -> set[str] | None:
        if isinstance(node, ast.Constant):
            return {node.value} if isinstance(node.value, str) else set()
        if isinstance(node, ast.IfExp):
            body, orelse = self._results(node.body, depth), self._results(node.orelse, depth)
            return None if body is None or orelse is None else body | orelse
        if isinstance(node, ast.Call) and depth < 3:
            function = next(
                (
                    n
                    for n in self.module.body
                    if isinstance(n, ast.FunctionDef) and n.name == _name(node.func)
                ),
                None,
            )
            if function is None:
                return None
            values: set[str] = set()
            for inner in ast.walk(function):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    found = self._results(inner.value, depth + 1)
                    if found is None:
                        return None
                    values |= found
            return values
        return None


def _text(node: ast.expr) -> str:
    assert isinstance(node, ast.Constant), "one variable per f-string code"
    return str(node.value)


def raised_codes() -> tuple[set[str], list[str]]:
    """Every code raised under models/ (and each kind's default), and the unreadable places."""
    modules = {
        path: ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(MODELS.rglob("*.py"))
    }
    classes = error_classes(list(modules.values()))
    codes = set(classes.values())
    unreadable: list[str] = []
    for path, module in modules.items():
        visitor = RaisedCodes(module, str(path.relative_to(MODELS.parent)), classes)
        visitor.visit(module)
        codes |= visitor.codes
        unreadable += visitor.unreadable
    return codes, unreadable


def test_the_scan_finds_the_codes_the_domain_raises() -> None:
    codes, unreadable = raised_codes()
    assert unreadable == [], f"error codes that are not literal strings: {unreadable}"
    # Raised with a literal, as the class default, from a helper, and through an f-string.
    expected = {"correction_closed", "not_found", "conflict", "invite_used", "code_duplicate"}
    assert expected <= codes
    assert {"code_empty", "code_has_space", "code_too_long", "code_bad_characters"} <= codes


def test_every_raised_code_has_a_sentence() -> None:
    codes, _ = raised_codes()
    missing = sorted(codes - error_sentences(translator("en")).keys())
    assert missing == [], f"error codes without a sentence: {missing}"


def test_every_sentence_is_in_kirundi_and_french() -> None:
    codes, _ = raised_codes()
    english = error_sentences(translator("en"))
    untranslated = {
        lang: sorted(
            code
            for code, text in error_sentences(translator(lang)).items()
            if code in codes and (not text.strip() or text == english[code])
        )
        for lang in ("rn", "fr")
    }
    assert untranslated == {"rn": [], "fr": []}, f"sentences not translated: {untranslated}"


def test_every_sentence_fits_in_a_popup() -> None:
    too_long = [
        f"{lang}:{code}"
        for lang in LANGUAGES
        for code, text in error_sentences(translator(lang)).items()
        if len(text) > POPUP_MAX
    ]
    assert too_long == []


def test_a_code_without_a_sentence_gets_the_sentence_of_its_kind() -> None:
    tr = translator("fr")
    assert domain_error_text(tr, NotFound("nothing_like_it")) == tr.pgettext(
        "error", "This record no longer exists or is not yours to see."
    )
    assert domain_error_text(tr, InvalidInput("nothing_like_it")) == tr.pgettext(
        "error", "That was not understood. Please try again."
    )
    assert domain_error_text(tr, DomainError("nothing_like_it")) == tr.pgettext(
        "error", "That did not work. Please try again."
    )
