"""The domain errors services raise when they refuse to do something."""


class DomainError(Exception):
    """A refusal with a fixed `code` (for code and tests) and a translated `message` (for people).

    `field` names the form field the message belongs next to, when there is one. Each app subclasses it,
    so a view catches its own app's refusals and the message reads the same everywhere.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field

    def show_on(self, form) -> None:
        """Put the message on `form`: next to the field it is about, or at the top of the form."""
        form.add_error(self.field if self.field in form.fields else None, self.message)

    def __repr__(self):
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, field={self.field!r})"


class EventError(DomainError):
    """A refusal of an organiser service (communities, members, venues, events, ticket types, series)."""
