"""`llmc config show` and `llmc config set NAME VALUE`: the learner's settings."""

from __future__ import annotations

import typer

app = typer.Typer(help="Show or change settings (desired retention, steps, daily limits...).",
                  no_args_is_help=True)


@app.command("show")
def show() -> None:
    """Print every setting with its value and what it does."""
    from llmconcepts import paths
    from llmconcepts.scheduling.settings import load_settings, show_settings

    rows = show_settings(load_settings())
    name_width = max(len(name) for name, _value, _help in rows)
    value_width = min(max(len(value) for _name, value, _help in rows), 16)
    typer.echo(f"# settings file: {paths.config_path()}")
    for name, value, help_text in rows:
        typer.echo(f"{name:<{name_width}}  {value:<{value_width}}  # {help_text}")


@app.command("set")
def set_(
    name: str = typer.Argument(..., help="Setting name, e.g. desired-retention (see `llmc config show`)."),
    value: str = typer.Argument(..., help="New value, e.g. 0.85 or \"1m 10m\" for steps."),
) -> None:
    """Validate and save one setting, e.g. `llmc config set desired-retention 0.85`."""
    from llmconcepts.scheduling.settings import set_setting

    setting, new_value = set_setting(name, value)
    typer.echo(f"{setting.name} = {setting.show(new_value)}")
