"""The `cosmos-flow` command line (also merged into `kedro`'s commands by Kedro).

Commands here call library code only; errors are one sentence, not a traceback.
"""

from __future__ import annotations

import json
import sys

import click

from cosmos_flow.autoregressive.cli import ar
from cosmos_flow.diffusion.cli import diffusion
from cosmos_flow.tokenizer.cli import tokenizer
from cosmos_flow.video import VideoError, probe


@click.group(name="cosmos-flow", help="cosmos-flow: world-foundation-model tools for physical AI.")
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
    help="Generate future video with a saved world model (the condition frames, then the generated ones).",
)
def generate() -> None:
    # No weight-loading progress bars from transformers (the text encoder): stderr is for the one error sentence.
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


generate.add_command(diffusion)
generate.add_command(ar)
cli.add_command(tokenizer)


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
