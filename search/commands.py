"""`vidensnet reindex`: rebuild the search index from the database and swap it in."""

from __future__ import annotations

import click

from search.index import SearchIndex, SearchUnavailable
from search.indexer import reindex
from search.process import ManagedMeilisearch
from search.runtime import master_key


def _running_index(home) -> SearchIndex | None:
    """The index of the node's own running Meilisearch, if it answers."""
    url_file = home / "meilisearch" / "url"
    if not url_file.exists():
        return None
    index = SearchIndex(url_file.read_text(encoding="utf-8").strip(), master_key(home))
    return index if index.healthy() else None


@click.command("reindex")
@click.pass_obj
def reindex_command(obj) -> None:
    """Build a fresh search index from the database and swap it in (search keeps answering)."""
    config, sessions = obj.config(), obj.sessions()
    settings = config.search
    index = (SearchIndex(settings.meilisearch_url, settings.meilisearch_key) if settings.meilisearch_url
             else _running_index(config.home))
    process = None
    if index is None:  # the node is not running: start its Meilisearch just for this
        process = ManagedMeilisearch(config.home / "meilisearch", master_key(config.home))
        process.start()
        index = SearchIndex(process.url, process.master_key)
    try:
        def progress(batches, total):
            with click.progressbar(length=total, label="Indekserer", file=click.get_text_stream("stderr")) as bar:
                for batch in batches:
                    yield batch
                    bar.update(len(batch))
        count = reindex(sessions, index, progress)
    except SearchUnavailable as exc:
        raise click.ClickException(f"search index not rebuilt: {exc}") from None
    finally:
        if process is not None:
            process.stop()
    click.echo(f"Søgeindekset er genopbygget med {count} emner.")
