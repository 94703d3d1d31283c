"""The two kinds of failure a user can meet, each with its exit code (see INTERFACE.md)."""


class BadInput(Exception):
    """A user's input (a document, a question, a file, an option) is unusable: exit 2."""

    exit_code = 2


class IndexUnusable(Exception):
    """The index is missing, corrupt or built differently, and cannot be used: exit 3."""

    exit_code = 3
