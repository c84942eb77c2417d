"""`llmc config show|set|unset|reset`: the learner's settings in config.toml."""

from __future__ import annotations

import typer

from llmconcepts.cli.command import LlmcCommand

app = typer.Typer(help="Show or change your settings: desired retention, learning steps, daily limits...",
                  no_args_is_help=True)


@app.command("show", cls=LlmcCommand)
def show() -> None:
    """Print every setting with its value and what it does."""
    from llmconcepts import paths
    from llmconcepts.scheduling.settings import load_settings, show_settings

    import shutil
    import sys

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    typer.echo(f"# settings file: {paths.config_path()}")
    for line in settings_lines(show_settings(load_settings()), width):
        typer.echo(line)


def settings_lines(rows: list[tuple[str, str, str]], width: int | None) -> list[str]:
    """``name  value  # what it does`` per setting, the comments lined up. With a
    terminal ``width``, a comment that does not fit continues on ``#`` lines under
    itself, or under the setting when the comment column would be too narrow (so the
    listing stays valid TOML-looking text at 60 and 40 columns)."""
    import textwrap

    name_width = max(len(name) for name, _value, _help in rows)
    value_width = min(max(len(value) for _name, value, _help in rows), 16)
    lines: list[str] = []
    for name, value, help_text in rows:
        setting = f"{name:<{name_width}}  {value:<{value_width}}  "
        if width is None or len(setting) + 2 + len(help_text) <= width:
            lines.append(f"{setting}# {help_text}")
            continue
        room = width - len(setting) - 2
        if len(value) <= value_width and room >= 20:
            first, *more = textwrap.wrap(help_text, room)
            lines += [f"{setting}# {first}", *(f"{'':<{len(setting)}}# {part}" for part in more)]
            continue
        if len(value) <= value_width and len(setting.rstrip()) <= width:
            lines.append(setting.rstrip())
        else:  # a long value (the 21 FSRS weights) gets lines of its own, broken between words
            lines += [name, *(f"  {part}" for part in textwrap.wrap(value, width - 2, break_long_words=False))]
        lines += [f"  # {part}" for part in textwrap.wrap(help_text, width - 4)]
    return lines


@app.command("set", cls=LlmcCommand)
def set_(
    name: str = typer.Argument(..., metavar="NAME",
                               help="Setting name, e.g. desired-retention (see `llmc config show`)."),
    value: str = typer.Argument(..., metavar="VALUE",
                                help="New value, such as 0.85, or \"1m 10m\" for steps."),
) -> None:
    """Check and save one setting.

    For example: llmc config set desired-retention 0.85. Negative numbers are taken as
    values (and refused by the range check), not as options.
    """
    from llmconcepts.scheduling.settings import set_setting

    setting, new_value = set_setting(name, value)
    typer.echo(f"{setting.name} = {setting.show(new_value)}")


@app.command("unset", cls=LlmcCommand)
def unset(
    name: str = typer.Argument(..., metavar="NAME",
                               help="A setting, or a key of config.toml that is not one."),
) -> None:
    """Remove a key from config.toml: a setting goes back to its default.

    Also removes a key llmc does not know (a typo, or one from another version).
    """
    from llmconcepts.scheduling.settings import Settings, unset_setting

    removed, setting = unset_setting(name)
    default = f" (default: {setting.show(getattr(Settings(), setting.field))})" if setting else ""
    if removed:
        typer.echo(f"removed {', '.join(removed)}{default}")
    else:
        typer.echo(f"{setting.name} was not set{default}; nothing changed")


@app.command("reset", cls=LlmcCommand)
def reset() -> None:
    """Back up config.toml beside it and start from the defaults.

    For a file that is not valid TOML, or to start over; the backup is
    config.toml.backup-<UTC time>.
    """
    from datetime import datetime, timezone

    from llmconcepts.scheduling.settings import reset_settings

    backup = reset_settings(datetime.now(timezone.utc))
    typer.echo(f"settings reset to the defaults; the old file is {backup}" if backup
               else "no settings file: every setting is already its default")
