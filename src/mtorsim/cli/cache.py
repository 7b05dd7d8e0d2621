"""``mtorsim cache``: inspect or clear the compiled-model cache."""

from __future__ import annotations

from pathlib import Path

import click

from ..cache import ModelCache, default_cache_dir
from .app import main, reports_errors


@main.group()
def cache() -> None:
    """Inspect or clear the cache of compiled models."""


def _cache(cache_dir: str | None) -> ModelCache:
    return ModelCache(Path(cache_dir) if cache_dir else default_cache_dir())


@cache.command("list")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache folder (default: per-user cache).")
@reports_errors
def list_entries(cache_dir: str | None) -> None:
    """List cached models."""
    store = _cache(cache_dir)
    entries = store.entries()
    click.echo(f"cache: {store.root} ({len(entries)} entries)")
    for e in entries:
        click.echo(f"  {e['key'][:16]}  {e.get('model', '?'):<24} {e['bytes'] / 1024:8.1f} KiB  {e.get('file') or ''}")


@cache.command("dir")
@click.option("--cache-dir", type=click.Path(file_okay=False))
def show_dir(cache_dir: str | None) -> None:
    """Print the cache folder."""
    click.echo(str(_cache(cache_dir).root))


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False))
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def clear(cache_dir: str | None, yes: bool) -> None:
    """Delete every cached model."""
    store = _cache(cache_dir)
    if not yes:
        click.confirm(f"Delete all compiled models in {store.root}?", abort=True)
    click.echo(f"removed {store.clear()} entries from {store.root}")
