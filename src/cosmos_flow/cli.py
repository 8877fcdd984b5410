"""The `cosmos-flow` command line (also merged into `kedro`'s commands by Kedro).

Commands here call library code only; errors are one sentence, not a traceback. The commands that need torch are
imported only when one of them runs (`LazyGroup`), so `--help` and `probe` start in a fraction of a second.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from cosmos_flow.video import VideoError, probe


class LazyGroup(click.Group):
    """A group whose heavy subcommands are imported when one runs, not when the group is listed: `--help` shows
    them from the one-line help given here (as Click's documentation on lazily loading subcommands does)."""

    def __init__(self, *args, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}  # name -> ("module:attribute", one-line help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands:
            module, attribute = self.lazy_commands[name][0].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    name="cosmos-flow",
    cls=LazyGroup,
    lazy_commands={
        "tokenizer": (
            "cosmos_flow.tokenizer.cli:tokenizer",
            "Reconstruct, encode and decode videos with a saved video tokenizer.",
        )
    },
    help="cosmos-flow: world-foundation-model tools for physical AI.",
)
def cli() -> None:
    pass


@cli.command(name="probe")
@click.argument("videos", nargs=-1, required=True, type=click.Path(dir_okay=False))
def probe_command(videos: tuple[str, ...]) -> None:
    """Print size, frame rate, frame count, duration, codec and audio of each video, as JSON lines."""
    failed = False
    for path in videos:
        try:
            click.echo(json.dumps(probe(path).to_dict()))
        except VideoError as error:
            click.echo(f"error: {error.sentence}", err=True)
            failed = True
    if failed:
        sys.exit(1)


@cli.group(
    name="generate",
    cls=LazyGroup,
    lazy_commands={
        "diffusion": (
            "cosmos_flow.diffusion.cli:diffusion",
            "Generate a video with the diffusion world model: from a prompt, or continuing a past video.",
        ),
        "ar": ("cosmos_flow.autoregressive.cli:ar", "Continue a past video with the autoregressive world model."),
    },
    help="Generate future video with a saved world model (the condition frames, then the generated ones).",
)
def generate() -> None:
    pass


def main() -> None:
    """The console script. Click's own usage errors (a value of the wrong type, an unknown option)
    come out like the commands' errors, on one `error: ...` line (exit status 2), with where to find help."""
    try:
        code = cli.main(prog_name="cosmos-flow", standalone_mode=False)
    except click.ClickException as error:
        message = error.format_message().strip()
        message = message if message.endswith((".", "?", "!")) else f"{message}."
        context = getattr(error, "ctx", None)
        hint = f" Run '{context.command_path} --help' for the options." if context is not None else ""
        click.echo(f"error: {message}{hint}", err=True)
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("error: aborted.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
