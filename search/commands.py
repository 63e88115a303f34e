"""`vidensnet reindex`: rebuild the search index from the database and swap it in."""

from __future__ import annotations

import click

from search.index import SearchIndex, SearchUnavailable
from search.indexer import reindex
from search.keys import external_issuer, given_index, managed_issuer, managed_url
from search.process import ManagedMeilisearch
from search.runtime import master_key


def _own_index(home, index_uid: str) -> tuple[SearchIndex, ManagedMeilisearch | None]:
    """The node's index with its scoped key on its own Meilisearch: the running one, else one started now."""
    url = managed_url(home)
    if url and SearchIndex(url, "").healthy():  # /health needs no key
        return managed_issuer(home, url, master_key(home), index_uid).index(), None
    process = ManagedMeilisearch(home / "meilisearch", master_key(home))
    process.start()
    try:
        return managed_issuer(home, process.url, process.master_key, index_uid).index(), process
    except BaseException:
        process.stop()
        raise


def _target(config) -> tuple[SearchIndex, ManagedMeilisearch | None]:
    settings = config.search
    if not settings.meilisearch_url:
        return _own_index(config.home, settings.meilisearch_index)
    issuer = external_issuer(config.home, settings)  # the master key only makes (or finds) the node's key
    return (issuer.index() if issuer else given_index(settings)), None


@click.command("reindex")
@click.pass_obj
def reindex_command(obj) -> None:
    """Build a fresh search index from the database and swap it in (search keeps answering)."""
    config, sessions = obj.config(), obj.sessions()
    try:
        index, process = _target(config)
    except SearchUnavailable as exc:
        raise click.ClickException(f"search index not rebuilt: {exc}") from None
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
