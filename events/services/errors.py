"""The domain error every organiser service raises when it refuses to do something."""


class EventError(Exception):
    """A refusal with a fixed `code` (for code and tests) and a translated `message` (for people).

    `field` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field

    def __repr__(self):
        return f"EventError({self.code!r}, {self.message!r}, field={self.field!r})"
