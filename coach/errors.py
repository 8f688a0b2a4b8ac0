"""Error hierarchy: every error says what went wrong, where, and how to fix it, and carries an HTTP status."""

from __future__ import annotations


class CoachError(Exception):
    """Base class for every error okr-coach raises on purpose."""

    status: int = 400
    code: str = "coach_error"

    def __init__(self, message: str, *, hint: str | None = None, location: str | None = None) -> None:
        self.message = message
        self.hint = hint
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        fix = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{fix}"

    def to_dict(self) -> dict[str, object]:
        """The JSON error envelope body shared by the CLI and the API."""
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint, "location": self.location}}


class InputError(CoachError):
    """The OKR input could not be read: malformed file, wrong shape, unknown format."""

    code = "invalid_input"
    status = 422


class EmptyInputError(InputError):
    """The input holds no objectives."""

    code = "empty_input"


class InputTooLargeError(InputError):
    """The input exceeds a configured size limit."""

    code = "input_too_large"
    status = 413


class RubricError(CoachError):
    """A rule file or profile is invalid; raised at load time with file and field."""

    code = "invalid_rubric"
    status = 500


class NotFoundError(CoachError):
    code = "not_found"
    status = 404


class AuthError(CoachError):
    code = "unauthorized"
    status = 401


class RateLimitError(CoachError):
    code = "rate_limited"
    status = 429


class ModelError(CoachError):
    """The language model failed, timed out or kept returning invalid output."""

    code = "model_error"
    status = 502


class CorpusError(CoachError):
    """The examples corpus or its index is missing or invalid."""

    code = "corpus_error"
    status = 500


class ConfigError(CoachError):
    """An OKR_COACH_* setting has a value that cannot be used."""

    status = 500
    code = "bad_setting"
