"""The one exception type users see: a message that names the bad value and the fix."""


class WganError(Exception):
    """A problem with the user's input (config, data, files, arguments).

    The CLI prints its message on one line and exits with status 2; no traceback. `cli`: the
    same message in the command line's words where they differ (--overwrite, where the Python
    API says overwrite=True).
    """

    def __init__(self, message: str = "", *, cli: str | None = None) -> None:
        super().__init__(message)
        self.cli = cli


class ConfigError(WganError, ValueError):
    """A config key that does not exist, or a value of the wrong type or range."""


class DataError(WganError, ValueError):
    """A data set name that is unknown, or a data file that cannot be used."""


class OutputError(WganError):
    """A file or folder that could not be written (read-only, full disk, no permission): its
    path and why, on one line (`wgan.outputs`)."""
