"""Reading a page's forms as a browser would send them, for the load test's virtual users:
each form's action and the fields it would post (hidden inputs such as the CSRF token, text
as filled in, checked boxes and radios, each select's chosen option, text areas), without
pressing any button. Standard library only: the locustfile runs under gevent's patching and
imports none of the portal."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: str | None = None  # an option's text, when it has no value attribute
        self._option_selected = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(named.get("action", ""), named.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or ("disabled" in named and tag != "form"):
            return
        name = named.get("name")
        if tag == "input" and name:
            kind = named.get("type", "text").lower()
            if kind in _NOT_SENT or (kind in ("checkbox", "radio") and "checked" not in named):
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append((name, named.get("value", default)))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            if "value" in named:
                self._options.append((named["value"], "selected" in named))
            else:
                self._option, self._option_selected, self._text = "", "selected" in named, []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None or self._option is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            self._options.append(("".join(self._text).strip(), self._option_selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [value for value, selected in self._options if selected]
            # A single select with nothing marked sends its first option, as browsers do.
            for value in chosen or [value for value, _ in self._options[:1]]:
                self._form.fields.append((self._select, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            self._form.fields.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms(page: str) -> list[Form]:
    reader = _Reader()
    reader.feed(page)
    reader.close()
    return reader.forms


def form_posting_to(page: str, action: str) -> Form:
    """The page's POST form whose action is ``action`` (or empty: the page's own address)."""
    for form in forms(page):
        if form.method == "post" and form.action.split("?")[0] in (action, ""):
            return form
    raise LookupError(f"no form posting to {action}")


def csrf_token(page: str) -> str:
    """The CSRF token of any form on the page: one token serves every form of a session."""
    for form in forms(page):
        token = form.value("csrf_token")
        if token:
            return token
    raise LookupError("no csrf_token on the page")
